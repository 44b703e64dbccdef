"""A varied data set written through the unmodified prefect SDK and CLI, and the same SDK
reads of everything in it, for comparing two servers object by object (issue 15's import).

    python prefect_dataset.py fill   # against PREFECT_API_URL; prints nothing
    python prefect_dataset.py read   # prints a JSON document of what the server answers

Run as a subprocess with PREFECT_API_URL (and a private PREFECT_HOME) set."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

PREFECT = str(Path(sys.executable).parent / "prefect")


def cli(*args: str) -> None:
    out = subprocess.run([PREFECT, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"prefect {' '.join(args)}: {out.stdout}{out.stderr}"


def save_blocks() -> None:
    """A system block, a secret, and custom block types, one nesting another (a reference)."""
    from pydantic import SecretStr

    from prefect.blocks.core import Block
    from prefect.blocks.system import Secret

    class ImportCreds(Block):
        token: SecretStr
        region: str = "eu"

    class ImportBundle(Block):
        creds: ImportCreds
        note: str

    Secret(value="s3cr3t").save("import-secret")
    Secret(value={"a": [1, 2]}).save("import-json-secret")
    creds = ImportCreds(token="t0k3n", region="us")
    creds.save("import-creds")
    ImportBundle(creds=creds, note="nested").save("import-bundle")


def fill() -> None:
    from prefect import flow, task
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    @task(tags=["db"])
    def add(x: int, y: int) -> int:
        return x + y

    @task(retries=1, retry_delay_seconds=0)
    def flaky(attempts: list) -> str:
        attempts.append(1)
        if len(attempts) < 2:
            raise RuntimeError("first attempt fails")
        return "ok"

    @flow(log_prints=True)
    def child(n: int) -> int:
        print(f"child got {n}")
        create_markdown_artifact(markdown=f"# child {n}", key="import-report", description="older")
        return add(n, 1)

    @flow(log_prints=True, name="import-parent")
    def parent(n: int = 2) -> int:
        print("parent starts")
        flaky([])
        result = add(n, 2) + child(n)
        create_table_artifact(table=[{"n": n, "result": result}], key="import-report", description="latest")
        return result

    @flow(name="import-failing")
    def failing() -> None:
        raise ValueError("boom")

    save_blocks()
    parent(3)
    try:
        failing()
    except ValueError:
        pass

    cli("work-pool", "create", "import-pool", "--type", "process")
    cli("work-queue", "create", "import-queue", "--pool", "import-pool", "--priority", "5")
    cli("variable", "set", "import_answer", "42")
    cli("variable", "set", "import_doc", '{"a": [1, 2]}')
    cli("gcl", "create", "import-limit", "--limit", "3", "--slot-decay-per-second", "0.5")
    cli("concurrency-limit", "create", "import-tag", "2")

    with get_client(sync_client=True) as client:
        flow_id = client.read_flow_by_name("import-parent").id
        client.create_deployment(
            flow_id=flow_id, name="nightly", parameters={"n": 7}, tags=["team-a"],
            work_pool_name="import-pool", work_queue_name="import-queue", entrypoint="flows.py:parent",
            description="imported deployment", paused=False,
            schedules=[
                DeploymentScheduleCreate(schedule=IntervalSchedule(interval=timedelta(hours=6)), active=True),
                DeploymentScheduleCreate(schedule=CronSchedule(cron="0 3 * * *", timezone="Europe/Paris"),
                                         active=False, parameters={"n": 9}, slug="paris"),
            ])
        run = client.read_flow_runs()[0]
        client.create_flow_run_input(run.id, key="approval", value='{"approved": true}', sender="ops")
        response = client._client.put("/saved_searches/", json={
            "name": "failed imports", "filters": [{"object": "flow_run", "property": "state", "type": "state",
                                                   "operation": "or", "value": ["FAILED"]}]})
        response.raise_for_status()

    from prefect.automations import Automation
    from prefect.events.actions import CancelFlowRun, PauseDeployment
    from prefect.events.schemas.automations import EventTrigger, Posture

    Automation(name="import-automation", description="cancels stuck runs", tags=["ops"],
               trigger=EventTrigger(expect={"prefect.flow-run.Running"}, match={"prefect.resource.id": "prefect.flow-run.*"},
                                    posture=Posture.Proactive, threshold=1, within=timedelta(minutes=30)),
               actions=[CancelFlowRun()], actions_on_resolve=[PauseDeployment(deployment_id=None, source="inferred")]
               ).create()


def _dump(model) -> dict:
    return json.loads(model.model_dump_json())


def read() -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    out: dict = {}
    with get_client(sync_client=True) as client:
        out["flows"] = [_dump(f) for f in client.read_flows()]
        out["deployments"] = [_dump(d) for d in client.read_deployments()]
        out["work_pools"] = [_dump(p) for p in client.read_work_pools()]
        out["work_queues"] = [_dump(q) for q in client.read_work_queues(work_pool_name="import-pool")]
        out["variables"] = [_dump(v) for v in client.read_variables()]
        out["global_limits"] = [_dump(v) for v in client.read_global_concurrency_limits()]
        out["tag_limits"] = [_dump(v) for v in client.read_concurrency_limits(limit=100, offset=0)]
        runs = client.read_flow_runs()
        out["flow_runs"] = [_dump(r) for r in runs]
        out["flow_run_states"] = {str(r.id): [_dump(s) for s in client.read_flow_run_states(r.id)] for r in runs}
        tasks = client.read_task_runs()
        out["task_runs"] = [_dump(t) for t in tasks]
        out["task_run_states"] = {str(t.id): [_dump(s) for s in client.read_task_run_states(t.id)] for t in tasks}
        out["artifacts"] = [_dump(a) for a in client.read_artifacts()]
        out["latest_artifacts"] = [_dump(a) for a in client.read_latest_artifacts()]
        out["flow_run_inputs"] = {str(r.id): json.loads(client._client.post(
            f"/flow_runs/{r.id}/input/filter", json={"prefix": "", "limit": 10}).text) for r in runs}
        out["block_documents"] = [_dump(b) for b in client.read_block_documents(include_secrets=True)]
        out["automations"] = [_dump(a) for a in client.read_automations()]
        page = json.loads(client._client.post("/events/filter", json={"limit": 50}).text)
        out["events"] = page["events"]
        for _ in range(20):  # bounded: the data set has about a hundred events
            if not page.get("next_page"):
                break
            page = json.loads(client._client.get(page["next_page"]).text)
            out["events"] += page["events"]
        out["saved_searches"] = json.loads(client._client.post("/saved_searches/filter", json={}).text)
        out["logs"] = {str(r.id): [_dump(entry) for entry in client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id])))] for r in runs}
    return out


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill()
    else:
        print(json.dumps(read(), sort_keys=True))
