"""Automations through the SDK (`Automation(...).create()`, `read`, `update`, `disable`/`enable`,
`delete`, the client's by-name and related-resource reads), the CLI (`prefect automation
ls/inspect/pause/resume/delete`), deployment triggers (`to_deployment(triggers=…).apply()`
and `triggers:` in a prefect.yaml through `prefect deploy`), and the raw routes (Prefect's
defaults, 404 bodies, 422s for bad triggers and actions, template validation). Firing is
tested elsewhere."""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from datetime import timedelta

import pytest

from prefect import flow
from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.events import DeploymentEventTrigger
from prefect.events.actions import CancelFlowRun, ChangeFlowRunState, DoNothing, PauseDeployment
from prefect.events.schemas.automations import CompoundTrigger, EventTrigger, Posture, SequenceTrigger

from scenarios import TARGET, run, unique, wait_for

UNKNOWN = "6d0f0f58-6b7b-4b7c-9f3c-6d5f5a1a2b3c"


@flow
def automation_target_flow(x: int = 1):
    return x


# Every automation these tests create expects events nothing emits (or is disabled): an
# enabled trigger that matches any event would fire on its own automation events, forever.
NEVER = "compat.never.emitted"


def _reactive(**fields) -> dict:
    trigger = {"posture": "Reactive", "expect": [NEVER], **fields}
    return {"name": unique("raw"), "trigger": trigger, "actions": [{"type": "do-nothing"}]}


# Verifies the SDK round trip: create with an event trigger, read by id and by name, update,
# disable/enable, read_automations_by_name, delete (then reads fail as the SDK expects).
def test_sdk_create_read_update_pause_resume_delete():
    name = unique("sdk-automation")
    created = Automation(
        name=name,
        description="three failures in a minute",
        tags=["team-a"],
        trigger=EventTrigger(
            expect={f"{NEVER}.Failed"},
            match={"prefect.resource.id": "compat.thing.*"},
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=3,
            within=timedelta(seconds=60),
        ),
        actions=[CancelFlowRun(), ChangeFlowRunState(state="FAILED", message="by automation")],
    ).create()
    assert created.id is not None
    by_id = Automation.read(id=created.id)
    assert by_id.name == name and by_id.enabled is True and by_id.tags == ["team-a"]
    assert by_id.trigger.threshold == 3 and by_id.trigger.within == timedelta(seconds=60)
    assert by_id.trigger.expect == {f"{NEVER}.Failed"}
    assert by_id.trigger.for_each == {"prefect.resource.id"}
    assert [a.type for a in by_id.actions] == ["cancel-flow-run", "change-flow-run-state"]
    assert by_id.actions[1].message == "by automation" and by_id.actions[1].force is False
    assert Automation.read(name=name).id == created.id

    by_id.description = "updated"
    by_id.trigger.threshold = 5
    by_id.update()
    updated = Automation.read(id=created.id)
    assert updated.description == "updated" and updated.trigger.threshold == 5

    assert updated.disable() is True
    assert Automation.read(id=created.id).enabled is False
    assert updated.enable() is True
    assert Automation.read(id=created.id).enabled is True

    async def by_name():
        async with get_client() as client:
            return await client.read_automations_by_name(name)

    assert [a.id for a in run(by_name())] == [created.id]
    assert updated.delete() is True
    assert updated.delete() is False
    with pytest.raises(ValueError, match="not found"):
        Automation.read(id=created.id)
    with pytest.raises(ValueError, match="not found"):
        Automation.read(name=name)


# Verifies compound and sequence triggers keep their nesting and defaults, and that a
# proactive trigger with no `within` gets Prefect's 10 seconds.
def test_sdk_compound_and_sequence_triggers(http):
    compound = Automation(
        name=unique("compound"),
        trigger=CompoundTrigger(
            require="all",
            within=timedelta(minutes=5),
            triggers=[
                EventTrigger(expect={"a.one"}, posture=Posture.Reactive, threshold=1),
                SequenceTrigger(
                    within=None,
                    triggers=[
                        EventTrigger(expect={"b.one"}, posture=Posture.Reactive),
                        EventTrigger(expect={"b.two"}, posture=Posture.Proactive),
                    ],
                ),
            ],
        ),
        actions=[DoNothing()],
        actions_on_resolve=[DoNothing()],
        enabled=False,
    ).create()
    read = Automation.read(id=compound.id)
    assert read.trigger.type == "compound" and read.trigger.require == "all"
    assert read.trigger.within == timedelta(minutes=5)
    sequence = read.trigger.triggers[1]
    assert sequence.type == "sequence" and sequence.within is None
    assert sequence.triggers[1].posture == Posture.Proactive
    assert sequence.triggers[1].within == timedelta(seconds=10)
    assert [a.type for a in read.actions_on_resolve] == ["do-nothing"]
    raw = http.get(f"/automations/{compound.id}").json()["trigger"]
    ids = {raw["id"], *(t["id"] for t in raw["triggers"]), *(t["id"] for t in raw["triggers"][1]["triggers"])}
    assert len(ids) == 5  # every trigger has its own server-assigned id
    compound.delete()


# Verifies the raw create answer carries every default Prefect fills in, in Prefect's order.
def test_create_response_has_prefect_defaults(http):
    body = {
        "name": unique("defaults"),
        "enabled": False,
        "trigger": {"posture": "Proactive", "id": UNKNOWN},
        "actions": [
            {"type": "run-deployment", "source": "inferred"},
            {"type": "pause-work-pool", "work_pool_id": UNKNOWN},
            {"type": "call-webhook", "block_document_id": UNKNOWN},
            {"type": "send-notification", "block_document_id": UNKNOWN, "body": "{{ flow_run.name }} failed"},
        ],
    }
    r = http.post("/automations/", json=body)
    assert r.status_code == 201, r.text
    a = r.json()
    assert list(a) == ["name", "description", "enabled", "tags", "trigger", "actions", "actions_on_trigger",
                       "actions_on_resolve", "id", "created", "updated"]
    trigger = a["trigger"]
    assert trigger["id"] != UNKNOWN  # ids are reset on create
    assert {k: v for k, v in trigger.items() if k != "id"} == {
        "type": "event", "match": {}, "match_related": {}, "after": [], "expect": [], "for_each": [],
        "posture": "Proactive", "threshold": 1, "within": 10.0}
    assert a["actions"] == [
        {"type": "run-deployment", "source": "inferred", "deployment_id": None, "parameters": None,
         "job_variables": None, "schedule_after": 0.0},
        {"type": "pause-work-pool", "source": "selected", "work_pool_id": UNKNOWN},
        {"type": "call-webhook", "block_document_id": UNKNOWN, "payload": ""},
        {"type": "send-notification", "block_document_id": UNKNOWN, "subject": "Prefect automated notification",
         "body": "{{ flow_run.name }} failed"},
    ]
    assert http.get(f"/automations/{a['id']}").json() == a
    assert http.delete(f"/automations/{a['id']}").status_code == 204


def _errors(response) -> list[dict]:
    assert response.status_code == 422, response.text
    return response.json()["exception_detail"]


# Verifies the 422 entries for bad triggers and actions, as pydantic reports a union that
# no member matches, and the model validators' value errors.
def test_bad_triggers_and_actions_are_422(http):
    missing_posture = _errors(http.post("/automations/", json={**_reactive(), "trigger": {"type": "event"}}))
    assert {"type": "missing", "loc": ["body", "trigger", "EventTrigger", "posture"], "msg": "Field required",
            "input": {"type": "event"}} in missing_posture

    metric = _errors(http.post("/automations/", json={**_reactive(), "trigger": {"type": "metric", "posture": "Metric"}}))
    assert {e["loc"][2] for e in metric} == {
        "EventTrigger", "function-after[validate_require(), function-after[validate_require(), CompoundTrigger]]",
        "SequenceTrigger"}
    assert any(e["loc"][-1] == "posture" and e["type"] == "literal_error" for e in metric)

    short = _errors(http.post("/automations/", json=_reactive(posture="Proactive", within=5)))
    assert short[0]["loc"] == ["body", "trigger", "EventTrigger"]
    assert short[0]["msg"] == "Value error, `within` for Proactive triggers must be greater than or equal to 10 seconds"

    negative = _errors(http.post("/automations/", json=_reactive(within=-1, threshold="x")))
    assert [(e["loc"][-1], e["type"]) for e in negative if e["loc"][2] == "EventTrigger"] == [
        ("threshold", "int_parsing"), ("within", "greater_than_equal")]

    compound = {"type": "compound", "require": 3, "within": None, "triggers": [{"posture": "Reactive"}]}
    too_many = _errors(http.post("/automations/", json={**_reactive(), "trigger": compound}))
    assert any(e["msg"] == "Value error, require must be less than or equal to the number of triggers"
               for e in too_many)

    no_deployment = _errors(http.post("/automations/", json={**_reactive(), "actions": [{"type": "run-deployment"}]}))
    assert {"type": "value_error",
            "loc": ["body", "actions", 0, "function-after[selected_deployment_requires_id(), RunDeployment]"],
            "msg": "Value error, deployment_id is required", "input": {"type": "run-deployment"},
            "ctx": {"error": {}}} in no_deployment
    assert len(no_deployment) == 21  # one or more entries for each of the 17 action types

    loop = _errors(http.post("/automations/", json={**_reactive(expect=["prefect.flow-run.Running"]),
                                                     "actions": [{"type": "run-deployment", "source": "inferred"}]}))
    assert loop[0]["loc"] == ["body"] and "infinite loop" in loop[0]["msg"]

    template = _errors(http.post("/automations/", json={**_reactive(), "actions": [
        {"type": "send-notification", "block_document_id": UNKNOWN, "body": "hi {{ flow_run.name "}]}))
    assert {"type": "value_error", "loc": ["body", "actions", 0, "SendNotification", "body"],
            "msg": "Value error, 'body' is not a valid template: unexpected end of template, expected "
                   "'end of print statement'.",
            "input": "hi {{ flow_run.name ", "ctx": {"error": {}}} in template

    assert _errors(http.post("/automations/", json={"trigger": {"posture": "Reactive"}, "actions": []}))[0]["loc"] == [
        "body", "name"]
    assert http.post("/automations/count", json={"automations": {"name": {"any_": ["none-such"]}}}).json() == 0


# Verifies the routes' 404 bodies, PATCH's enabled-only body, filter by name and tags, count,
# and /templates/validate (both paths): 204 for a valid template, Prefect's error body else.
def test_routes_not_found_patch_filter_and_templates(http):
    for method in ("get", "delete"):
        r = getattr(http, method)(f"/automations/{UNKNOWN}")
        assert (r.status_code, r.json()) == (404, {"exception_message": "Automation not found"})
    r = http.patch(f"/automations/{UNKNOWN}", json={"enabled": False})
    assert (r.status_code, r.json()) == (404, {"exception_message": "Automation not found"})
    r = http.put(f"/automations/{UNKNOWN}", json=_reactive())
    assert (r.status_code, r.json()) == (404, {"exception_message": "Automation not found"})

    tag = unique("tag")
    ids = [http.post("/automations/", json={**_reactive(), "name": name, "tags": [tag]}).json()["id"]
           for name in (f"{tag}-b", f"{tag}-a")]
    bad = http.patch(f"/automations/{ids[0]}", json={"enabled": "maybe"})
    assert _errors(bad)[0]["loc"] == ["body", "enabled"]
    assert http.patch(f"/automations/{ids[0]}", json={"enabled": False}).status_code == 204
    assert http.get(f"/automations/{ids[0]}").json()["enabled"] is False
    found = http.post("/automations/filter", json={"automations": {"tags": {"all_": [tag]}}}).json()
    assert [a["name"] for a in found] == [f"{tag}-a", f"{tag}-b"]  # NAME_ASC by default
    found = http.post("/automations/filter", json={"automations": {"tags": {"all_": [tag]}}, "sort": "NAME_DESC",
                                                   "limit": 1}).json()
    assert [a["name"] for a in found] == [f"{tag}-b"]
    assert http.post("/automations/count", json={"automations": {"tags": {"any_": [tag]}}}).json() == 2
    assert _errors(http.post("/automations/filter", json={"sort": "BAD"}))[0]["loc"] == ["body", "sort"]
    for automation_id in ids:
        assert http.delete(f"/automations/{automation_id}").status_code == 204

    for path in ("/templates/validate", "/automations/templates/validate"):
        ok = http.post(path, json="Run {{ flow_run.name }} of {{ deployment.name | upper }} failed")
        assert ok.status_code == 204, ok.text
        bad = http.post(path, json="hi {{ flow_run.name ")
        assert bad.status_code == 422
        assert bad.json() == {"error": {"line": 1, "message": "unexpected end of template, expected 'end of print "
                                                              "statement'.", "source": "hi {{ flow_run.name "}}
    assert _errors(http.post("/templates/validate", json={"template": "x"}))[0]["type"] == "string_type"


# Verifies the CLI: ls shows the automation, inspect --json prints it, pause and resume flip
# `enabled`, delete --id removes it.
def test_cli_automation_commands(prefect_cli):
    name = unique("cli-automation")
    created = Automation(name=name, trigger=EventTrigger(expect={"x.y"}, posture=Posture.Reactive),
                         actions=[DoNothing()]).create()
    assert name in prefect_cli("automation", "ls").stdout
    [inspected] = json.loads(prefect_cli("automation", "inspect", name, "--json").stdout)  # by name: a list
    assert inspected["id"] == str(created.id) and inspected["trigger"]["expect"] == ["x.y"]
    prefect_cli("automation", "pause", name)
    assert Automation.read(id=created.id).enabled is False
    prefect_cli("automation", "resume", "--id", str(created.id))
    assert Automation.read(id=created.id).enabled is True
    prefect_cli("automation", "delete", "--id", str(created.id))
    with pytest.raises(ValueError, match="not found"):
        Automation.read(id=created.id)


def _owned(deployment_id) -> list:
    async def read():
        async with get_client() as client:
            return await client.read_resource_related_automations(f"prefect.deployment.{deployment_id}")

    return run(read())


def _delete_deployment(deployment_id) -> None:
    async def delete():
        async with get_client() as client:
            await client.delete_deployment(deployment_id)

    run(delete())


# Verifies `to_deployment(triggers=…).apply()` creates the trigger's automation owned by the
# deployment, running that deployment; applying again replaces it rather than adding one.
# Deleting the deployment deletes it on Praetor; Prefect 3.9.1's server keeps it.
def test_deployment_triggers_from_the_sdk():
    name = unique("triggered")
    trigger = DeploymentEventTrigger(
        name=f"{name}-on-failure",
        expect={f"{NEVER}.Failed"},
        match_related={"prefect.resource.id": "compat.thing.*"},
        parameters={"x": 7},
    )
    deployment = automation_target_flow.to_deployment(name=name, triggers=[trigger])
    deployment_id = deployment.apply()
    owned = _owned(deployment_id)
    assert [a.name for a in owned] == [f"{name}-on-failure"]
    action = owned[0].actions[0]
    assert action.type == "run-deployment" and action.source == "selected"
    assert action.deployment_id == deployment_id and action.parameters == {"x": 7}
    assert owned[0].trigger.expect == {f"{NEVER}.Failed"}

    assert automation_target_flow.to_deployment(name=name, triggers=[trigger]).apply() == deployment_id
    again = _owned(deployment_id)
    assert len(again) == 1 and again[0].id != owned[0].id

    _delete_deployment(deployment_id)
    remaining = Automation.read(id=again[0].id) if TARGET == "prefect" else None
    if TARGET == "prefect":
        assert remaining.id == again[0].id
        remaining.delete()
    else:
        with pytest.raises(ValueError, match="not found"):
            Automation.read(id=again[0].id)


# Verifies `triggers:` in a prefect.yaml: `prefect deploy` creates one automation per trigger,
# owned by the deployment, and a second deploy replaces them.
def test_prefect_yaml_triggers(tmp_path, prefect_cli):
    pool = f"trig-{uuid.uuid4().hex[:6]}"
    deployment_name = unique("yaml-triggers")
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows.py").write_text(textwrap.dedent(
        """
        from prefect import flow

        @flow
        def watched(who: str = "world"):
            return who
        """
    ))
    (project / "prefect.yaml").write_text(textwrap.dedent(
        f"""
        name: trigger-project
        prefect-version: 3.9.1
        build: null
        push: null
        pull:
        - prefect.deployments.steps.set_working_directory:
            directory: {project}
        deployments:
        - name: {deployment_name}
          entrypoint: flows.py:watched
          work_pool:
            name: {pool}
          triggers:
          - enabled: true
            match:
              prefect.resource.id: my.external.resource
            expect:
            - external.resource.pinged
            parameters:
              who: "{{{{ event.resource.name }}}}"
          - type: event
            name: {deployment_name}-proactive
            enabled: false
            posture: Proactive
            expect:
            - external.resource.heartbeat
            within: 60
        """
    ))
    prefect_cli("work-pool", "create", pool, "--type", "process")
    exe = os.path.join(os.path.dirname(sys.executable), "prefect")

    def deploy() -> None:
        done = subprocess.run([exe, "--no-prompt", "deploy", "--all"], cwd=project,
                              env=dict(os.environ, COLUMNS="250"), capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr

    deploy()

    async def deployment_id():
        async with get_client() as client:
            return (await client.read_deployment_by_name(f"watched/{deployment_name}")).id

    d = run(deployment_id())
    owned = sorted(_owned(d), key=lambda a: a.name)
    assert [a.name for a in owned] == [f"{deployment_name}-proactive", f"{deployment_name}__automation_1"]
    proactive, reactive = owned
    assert proactive.trigger.posture == Posture.Proactive and proactive.trigger.within == timedelta(seconds=60)
    assert reactive.trigger.match.model_dump() == {"prefect.resource.id": "my.external.resource"}
    assert reactive.actions[0].deployment_id == d
    assert reactive.actions[0].parameters == {"who": "{{ event.resource.name }}"}

    deploy()
    replaced = _owned(d)
    assert len(replaced) == 2 and not {a.id for a in replaced} & {a.id for a in owned}
    for automation in replaced:
        Automation.read(id=automation.id).delete()
    prefect_cli("work-pool", "delete", pool)


# Verifies the lifecycle events: created, updated (pause) and deleted, each about
# prefect.automation.<id> with the automation as payload.
def test_lifecycle_events(http):
    created = http.post("/automations/", json=_reactive()).json()
    assert http.patch(f"/automations/{created['id']}", json={"enabled": False}).status_code == 204
    assert http.delete(f"/automations/{created['id']}").status_code == 204
    resource_id = f"prefect.automation.{created['id']}"

    def seen():
        r = http.post("/events/filter", json={"filter": {"resource": {"id": [resource_id]}}, "limit": 10})
        assert r.status_code == 200, r.text
        events = r.json()["events"]
        return events if len(events) == 3 else None

    events = sorted(wait_for(seen, what="three automation events"), key=lambda e: e["occurred"])
    assert [e["event"] for e in events] == ["prefect.automation.created", "prefect.automation.updated",
                                            "prefect.automation.deleted"]
    assert events[0]["resource"]["prefect.resource.name"] == created["name"]
    assert events[0]["payload"] == created
    assert events[1]["payload"]["enabled"] is False
