"""The resources `prefect transfer` moves, written through the unmodified prefect SDK and CLI,
and a read of them that two servers' answers can be compared by (issue 15 part 4).

    python transfer_dataset.py fill          # against PREFECT_API_URL; prints nothing
    python transfer_dataset.py read URL...   # prints {URL: what the server at URL holds}

`read` names every object by what identifies it across servers (a flow's name, a block
document's type slug and name, ...): each server mints its own ids and timestamps on
create, so ids are replaced by those names wherever they appear and timestamps dropped.
Run as a subprocess with a private PREFECT_HOME (and PREFECT_API_URL to fill)."""

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

PREFECT = str(Path(sys.executable).parent / "prefect")


def cli(*args: str) -> None:
    out = subprocess.run([PREFECT, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"prefect {' '.join(args)}: {out.stdout}{out.stderr}"


def save_blocks() -> dict:
    """Secrets, a webhook, a notification block, and custom block types, one nesting another."""
    from pydantic import SecretStr

    from prefect.blocks.core import Block
    from prefect.blocks.notifications import SlackWebhook
    from prefect.blocks.system import Secret
    from prefect.blocks.webhook import Webhook

    class TransferCreds(Block):
        token: SecretStr
        region: str = "eu"

    class TransferBundle(Block):
        creds: TransferCreds
        note: str

    Secret(value="s3cr3t").save("transfer-secret")
    Secret(value={"a": [1, 2]}).save("transfer-json-secret")
    creds = TransferCreds(token="t0k3n", region="us")
    creds.save("transfer-creds")
    TransferBundle(creds=creds, note="nested").save("transfer-bundle")
    webhook = Webhook(method="POST", url="https://example.invalid/hook", headers={"X-Token": "h3ad3r"})
    webhook.save("transfer-webhook")
    slack = SlackWebhook(url="https://hooks.slack.invalid/services/T0/B0/x")
    slack.save("transfer-slack")
    return {"webhook": webhook._block_document_id, "slack": slack._block_document_id}


def fill() -> None:
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (DeploymentScheduleCreate, GlobalConcurrencyLimitCreate,
                                                WorkPoolCreate)
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
    from prefect.events.actions import (CallWebhook, CancelFlowRun, PauseAutomation, PauseWorkPool,
                                        PauseWorkQueue, RunDeployment, SendNotification)
    from prefect.events.schemas.automations import CompoundTrigger, EventTrigger, Posture

    blocks = save_blocks()
    # The CLI as a team would use it.
    cli("work-pool", "create", "transfer-pool", "--type", "process")
    cli("work-queue", "create", "transfer-queue", "--pool", "transfer-pool", "--priority", "5", "--limit", "2")
    cli("gcl", "create", "transfer-limit", "--limit", "3", "--slot-decay-per-second", "0.5")

    with get_client(sync_client=True) as client:
        paused_pool = client.create_work_pool(WorkPoolCreate(
            name="transfer-paused-pool", type="process", is_paused=True, concurrency_limit=4,
            description="a paused pool", base_job_template={}))
        client.update_work_queue(paused_pool.default_queue_id, description="the paused pool's default",
                                 priority=3, concurrency_limit=6)
        other_queue = client.create_work_queue("transfer-other-queue", description="second", priority=7,
                                               work_pool_name="transfer-paused-pool")
        for name, value, tags in [("transfer_answer", 42, ["ops"]), ("transfer_doc", {"a": [1, 2], "b": None}, ["team-a"]),
                                  ("transfer_list", [1, "two", 3.5], []), ("transfer_text", "hello", ["x", "y"]),
                                  ("transfer_flag", True, [])]:
            client._client.post("/variables/", json={"name": name, "value": value, "tags": tags}).raise_for_status()
        # Eleven global limits: the transfer reads them ten to a page.
        for i in range(10):
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                name=f"transfer-limit-{i}", limit=i + 1, active=i % 3 != 0, slot_decay_per_second=0.1 * i))
        client.create_concurrency_limit(tag="transfer-tag", concurrency_limit=2)

        response = client._client.post("/flows/", json={"name": "transfer-etl", "tags": ["etl"],
                                                        "labels": {"team": "data"}})
        response.raise_for_status()
        etl = response.json()["id"]
        report = client.create_flow_from_name("transfer-report")
        nightly = client.create_deployment(
            flow_id=etl, name="nightly", version="1.2", parameters={"n": 7, "mode": "full"}, tags=["team-a"],
            work_pool_name="transfer-pool", work_queue_name="transfer-queue", entrypoint="flows.py:etl",
            path="/opt/flows", description="the nightly load", paused=False, concurrency_limit=2,
            concurrency_options={"collision_strategy": ConcurrencyLimitStrategy.CANCEL_NEW},
            job_variables={"env": {"STAGE": "prod"}},
            pull_steps=[{"prefect.deployments.steps.set_working_directory": {"directory": "/opt/flows"}}],
            parameter_openapi_schema={"title": "Parameters", "type": "object",
                                      "properties": {"n": {"title": "n", "type": "integer"},
                                                     "mode": {"title": "mode", "type": "string"}}},
            enforce_parameter_schema=True,
            schedules=[
                DeploymentScheduleCreate(schedule=IntervalSchedule(interval=timedelta(hours=6)), active=True),
                DeploymentScheduleCreate(schedule=CronSchedule(cron="0 3 * * *", timezone="Europe/Paris"),
                                         active=False, parameters={"n": 9}, slug="paris"),
            ])
        weekly = client.create_deployment(
            flow_id=report, name="weekly", parameters={}, work_pool_name="transfer-paused-pool",
            work_queue_name="transfer-other-queue", paused=True, enforce_parameter_schema=False,
            schedules=[DeploymentScheduleCreate(
                schedule=RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=8", timezone="America/New_York"),
                max_scheduled_runs=5, slug="weekdays")])
        client.create_deployment(flow_id=report, name="adhoc", work_pool_name="transfer-paused-pool",
                                 concurrency_limit=1)

    pauser = Automation(
        name="transfer-pauser", description="pauses the pool", enabled=False,
        trigger=EventTrigger(expect={"prefect.work-pool.not-ready"}, posture=Posture.Reactive, threshold=1),
        actions=[PauseWorkPool(source="selected", work_pool_id=paused_pool.id),
                 PauseWorkQueue(source="selected", work_queue_id=other_queue.id)]).create()
    Automation(
        name="transfer-reactor", description="runs the report", tags=["ops"],
        trigger=EventTrigger(expect={"prefect.flow-run.Failed"}, match={"prefect.resource.id": "prefect.flow-run.*"},
                             posture=Posture.Reactive, threshold=2, within=timedelta(minutes=5)),
        actions=[RunDeployment(source="selected", deployment_id=weekly, parameters={"note": "from automation"}),
                 PauseAutomation(source="selected", automation_id=pauser.id),
                 SendNotification(block_document_id=blocks["slack"], subject="failed", body="{{ event.id }}"),
                 CallWebhook(block_document_id=blocks["webhook"], payload='{"run": "{{ event.id }}"}')],
        actions_on_trigger=[CancelFlowRun()]).create()
    Automation(
        name="transfer-proactive",
        trigger=CompoundTrigger(require="all", within=timedelta(hours=1), triggers=[
            EventTrigger(expect={"prefect.flow-run.Running"}, posture=Posture.Proactive, threshold=1,
                         within=timedelta(minutes=30)),
            EventTrigger(expect={"prefect.flow-run.Completed"}, posture=Posture.Reactive, threshold=1)]),
        actions=[RunDeployment(source="selected", deployment_id=nightly)]).create()


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _walk(value, names: dict):
    """`value` with ids (also inside text, as in a deployment's limit "deployment:<id>")
    replaced by their names and the timestamps each server mints left out."""
    if isinstance(value, dict):
        return {k: _walk(v, names) for k, v in value.items() if k not in ("id", "created", "updated")}
    if isinstance(value, list):
        return [_walk(v, names) for v in value]
    if isinstance(value, str):
        return UUID.sub(lambda m: names.get(m.group(0), m.group(0)), value)
    return value


def read(api_url: str) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    def dump(model) -> dict:
        return json.loads(model.model_dump_json())

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        out: dict = {
            "flows": [dump(f) for f in client.read_flows()],
            "deployments": [dump(d) for d in client.read_deployments()],
            "work_pools": [dump(p) for p in client.read_work_pools()],
            "work_queues": [dump(q) for q in client.read_work_queues()],
            "variables": [dump(v) for v in client.read_variables()],
            "global_limits": [dump(v) for v in client.read_global_concurrency_limits(limit=100)],
            "tag_limits": [dump(v) for v in client.read_concurrency_limits(limit=100, offset=0)],
            "block_documents": [dump(b) for b in client.read_block_documents(include_secrets=True)],
            "automations": [dump(a) for a in client.read_automations()],
        }
        slugs = {b["block_type"]["slug"] for b in out["block_documents"]}
        out["block_types"] = [dump(t) for t in client.read_block_types() if t.slug in slugs]
        out["block_schemas"] = [dump(s) for s in client.read_block_schemas() if s.block_type.slug in slugs]
    names: dict[str, str] = {}
    for kind, key in [("flow", "name"), ("work_pool", "name"), ("variable", "name"), ("global_limit", "name"),
                      ("tag_limit", "tag"), ("automation", "name"), ("block_type", "slug"),
                      ("block_schema", "checksum")]:
        for item in out[kind + "s"]:
            names[item["id"]] = f"{kind}:{item[key]}"
    for d in out["deployments"]:
        names[d["id"]] = f"deployment:{names[d['flow_id']]}/{d['name']}"
    for q in out["work_queues"]:
        names[q["id"]] = f"work_queue:{q['work_pool_name']}/{q['name']}"
    for b in out["block_documents"]:
        names[b["id"]] = f"block_document:{b['block_type']['slug']}/{b['name']}"
    for d in out["deployments"]:
        for s in d["schedules"]:
            names[s["id"]] = f"schedule:{names[d['id']]}/{s['slug'] or s['schedule']}"
    return {kind: sorted((_walk(item, names) for item in items), key=lambda x: json.dumps(x, sort_keys=True))
            for kind, items in out.items()}


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill()
    else:
        print(json.dumps({url: read(url) for url in sys.argv[2:]}, sort_keys=True))
