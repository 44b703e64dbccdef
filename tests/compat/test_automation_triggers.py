"""Automations' triggers and actions through the SDK (`prefect.automations.Automation` with
event, compound and sequence triggers; events sent with `emit_event` and the events client):
a failed flow run re-runs a deployment once, a threshold of 3 events within 60 s pauses a
deployment on the third event, a proactive trigger fires when its expected event does not
come, compound and sequence triggers fire in order, and a restart of the server in the middle
of a window neither loses nor repeats a firing. The events the server reports
(`prefect.automation.triggered`, `prefect.automation.action.triggered/executed`) and their
related resources are checked as Prefect's server emits them.

Both servers evaluate triggers and store events asynchronously, so reads poll with a timeout.
"""

import os
import time
from pathlib import Path

import httpx

from prefect import flow
from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.events import Event, emit_event
from prefect.events.actions import DoNothing, PauseDeployment, RunDeployment
from prefect.events.clients import PrefectEventsClient
from prefect.events.schemas.automations import CompoundTrigger, EventTrigger, Posture, SequenceTrigger
from prefect.events.worker import EventsWorker

from scenarios import run, wait_for
from scenarios.automation_events import automation_events as _automation_events
from scenarios.automation_events import emit as _emit
from scenarios.automation_events import reactive as _reactive
from scenarios.automation_events import related_roles as _roles
from scenarios.automation_events import uid as _uid
from scenarios.automation_events import wait_automation_events as _wait_events

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
DB = os.environ.get("PRAETOR_COMPAT_DB", "sqlite")


def _create_deployment(name: str) -> tuple:
    async def create():
        async with get_client() as client:
            flow_id = await client.create_flow_from_name(name)
            deployment_id = await client.create_deployment(flow_id=flow_id, name=f"{name}-dep")
            return flow_id, deployment_id
    return run(create())


def _read_deployment(deployment_id):
    async def read():
        async with get_client() as client:
            return await client.read_deployment(deployment_id)
    return run(read())


def _runs_of_deployment(deployment_id):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    async def read():
        async with get_client() as client:
            return await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
    return run(read())


# Verifies a failed flow run re-runs a selected deployment once, with the action's
# parameters, and that the action's events carry Prefect's related resources (the target
# deployment, the created flow run, the automation.triggered and triggering events).
def test_failed_flow_run_reruns_deployment_once(api_url):
    uid = _uid()
    _, deployment_id = _create_deployment(f"rerun-target-{uid}")

    @flow(name=f"fails-{uid}")
    def fails():
        raise ValueError("boom")

    async def flow_id_of():
        async with get_client() as client:
            return await client.create_flow_from_name(f"fails-{uid}")
    failing_flow_id = run(flow_id_of())

    automation = Automation(
        name=f"rerun-{uid}",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.id": f"prefect.flow.{failing_flow_id}"},
            posture=Posture.Reactive, threshold=1),
        actions=[RunDeployment(source="selected", deployment_id=deployment_id, parameters={"reason": "retry"},
                               job_variables={"env": {"RERUN": "1"}})],
    ).create()
    time.sleep(0.5)  # the automation is loaded by the trigger service

    state = fails(return_state=True)
    assert state.is_failed()

    runs = wait_for(lambda: _runs_of_deployment(deployment_id), timeout=30, what="the re-run", interval=0.2)
    executed = _wait_events(api_url, automation.id, "prefect.automation.action.executed")
    time.sleep(1.0)  # and no second run
    runs = _runs_of_deployment(deployment_id)
    assert len(runs) == 1
    assert runs[0].parameters == {"reason": "retry"}
    assert runs[0].job_variables == {"env": {"RERUN": "1"}}
    assert runs[0].state.is_scheduled()

    triggered = _wait_events(api_url, automation.id, "prefect.automation.triggered")
    assert len(triggered) == 1
    assert triggered[0]["resource"]["prefect.posture"] == "Reactive"
    assert triggered[0]["payload"]["triggering_event"]["event"] == "prefect.flow-run.Failed"
    assert len(executed) == 1
    roles = _roles(executed[0])
    assert roles["target"] == f"prefect.deployment.{deployment_id}"
    assert roles["flow-run"] == f"prefect.flow-run.{runs[0].id}"
    assert roles["automation-triggered-event"] == f"prefect.event.{triggered[0]['id']}"
    assert "triggering-event" in roles
    assert executed[0]["resource"]["prefect.trigger-type"] == "event"
    assert executed[0]["payload"]["action_type"] == "run-deployment"
    assert executed[0]["payload"]["status_code"] == 201
    action_triggered = _automation_events(api_url, automation.id, "prefect.automation.action.triggered")
    assert len(action_triggered) == 1
    assert executed[0]["follows"] == action_triggered[0]["id"]


# Verifies run-deployment parameters are rendered as Jinja templates with filters, from the
# triggering event (a missing attribute taking its default).
def test_run_deployment_parameters_render_template_filters(api_url):
    uid = _uid()
    _, deployment_id = _create_deployment(f"templated-{uid}")
    name = "event.resource['prefect.resource.name']"
    Automation(
        name=f"templated-{uid}",
        trigger=_reactive("test.templated", f"test.templated.{uid}", threshold=1),
        actions=[RunDeployment(source="selected", deployment_id=deployment_id, parameters={
            "slug": "{{ %s | lower | replace(' ', '-') }}" % name,
            "short": "{{ %s | truncate(9, true, '..', 0) }}" % name,
            "missing": "{{ event.payload.nothing | default('none') }}",
            "count": "{{ event.payload.things | length }} of {{ event.event | upper }}",
        })],
    ).create()
    time.sleep(0.5)  # the automation is loaded by the trigger service
    emit_event(event="test.templated", payload={"things": [1, 2, 3]},
               resource={"prefect.resource.id": f"test.templated.{uid}", "prefect.resource.name": "Mixed Case Name"})
    EventsWorker.drain_all()
    runs = wait_for(lambda: _runs_of_deployment(deployment_id), timeout=30, what="the templated run", interval=0.2)
    assert runs[0].parameters == {"slug": "mixed-case-name", "short": "Mixed C..", "missing": "none",
                                  "count": "3 of TEST.TEMPLATED"}


# Verifies a threshold of 3 events within 60 s pauses a deployment on the third event and
# not before.
def test_threshold_of_three_pauses_deployment_on_third_event(api_url):
    uid = _uid()
    _, deployment_id = _create_deployment(f"pause-target-{uid}")
    resource_id = f"compat.sensor.{uid}"
    automation = Automation(
        name=f"pause-on-three-{uid}",
        trigger=_reactive("compat.sensor.tripped", resource_id, threshold=3, within=60),
        actions=[PauseDeployment(deployment_id=deployment_id)],
    ).create()
    time.sleep(0.5)

    _emit("compat.sensor.tripped", resource_id)
    _emit("compat.sensor.tripped", resource_id)
    _emit("compat.sensor.other", resource_id)  # not expected: does not count
    time.sleep(2.0)
    assert _read_deployment(deployment_id).paused is False
    assert _automation_events(api_url, automation.id, "prefect.automation.triggered") == []

    _emit("compat.sensor.tripped", resource_id)
    wait_for(lambda: _read_deployment(deployment_id).paused, timeout=30, what="the deployment paused", interval=0.2)
    executed = _wait_events(api_url, automation.id, "prefect.automation.action.executed")
    assert _roles(executed[0])["target"] == f"prefect.deployment.{deployment_id}"
    assert executed[0]["payload"]["action_type"] == "pause-deployment"


# Verifies a proactive trigger fires when its expected event does not come within the window,
# while one whose expected event keeps arriving does not.
def test_proactive_trigger_fires_when_expected_event_is_missing(api_url):
    uid = _uid()
    silent, beating = f"compat.silent.{uid}", f"compat.beating.{uid}"
    missing = Automation(
        name=f"missing-{uid}",
        trigger=EventTrigger(expect={"compat.heartbeat"}, match={"prefect.resource.id": silent},
                             posture=Posture.Proactive, threshold=1, within=10),
        actions=[DoNothing()],
    ).create()
    alive = Automation(
        name=f"alive-{uid}",
        trigger=EventTrigger(expect={"compat.heartbeat"}, match={"prefect.resource.id": beating},
                             posture=Posture.Proactive, threshold=1, within=10),
        actions=[DoNothing()],
    ).create()

    deadline = time.monotonic() + 45
    fired = []
    while not fired:
        assert time.monotonic() < deadline, "the proactive trigger did not fire"
        _emit("compat.heartbeat", beating)
        time.sleep(1.0)
        fired = _automation_events(api_url, missing.id, "prefect.automation.triggered")
    assert fired[0]["resource"]["prefect.posture"] == "Proactive"
    assert fired[0]["payload"]["triggering_event"] is None
    assert _automation_events(api_url, alive.id, "prefect.automation.triggered") == []
    _wait_events(api_url, missing.id, "prefect.automation.action.executed")


# Verifies a compound trigger (require all) fires once both children fired, and a sequence
# trigger only when its children fire in order.
def test_compound_and_sequence_fire_in_order(api_url):
    uid = _uid()
    rid = f"compat.pipeline.{uid}"
    compound = Automation(
        name=f"compound-{uid}",
        trigger=CompoundTrigger(require="all", within=60, triggers=[
            _reactive("compat.pipeline.extracted", rid), _reactive("compat.pipeline.loaded", rid)]),
        actions=[DoNothing()],
    ).create()
    sequence = Automation(
        name=f"sequence-{uid}",
        trigger=SequenceTrigger(within=60, triggers=[
            _reactive("compat.pipeline.started", rid), _reactive("compat.pipeline.finished", rid)]),
        actions=[DoNothing()],
    ).create()
    time.sleep(0.5)

    _emit("compat.pipeline.extracted", rid)
    _emit("compat.pipeline.finished", rid)  # before started: out of order
    time.sleep(1.0)
    _emit("compat.pipeline.started", rid)
    time.sleep(1.5)
    assert _automation_events(api_url, compound.id, "prefect.automation.triggered") == []
    assert _automation_events(api_url, sequence.id, "prefect.automation.triggered") == []

    _emit("compat.pipeline.loaded", rid)
    fired = _wait_events(api_url, compound.id, "prefect.automation.triggered")
    assert "prefect.posture" not in fired[0]["resource"]
    time.sleep(1.0)
    assert _automation_events(api_url, sequence.id, "prefect.automation.triggered") == []

    _emit("compat.pipeline.finished", rid)
    fired = _wait_events(api_url, sequence.id, "prefect.automation.triggered")
    assert fired[0]["payload"]["triggering_event"]["event"] == "compat.pipeline.finished"
    executed = _wait_events(api_url, sequence.id, "prefect.automation.action.executed")
    assert executed[0]["resource"]["prefect.trigger-type"] == "sequence"
    assert len(_automation_events(api_url, compound.id, "prefect.automation.triggered")) == 1


def _restartable_env(workdir: Path) -> tuple[dict[str, str], object]:
    """Settings that make every server started with them share one database."""
    if TARGET == "praetor" and DB == "postgres":
        from conftest import _scratch_postgres_database
        database = _scratch_postgres_database()
        return {"PREFECT_SERVER_DATABASE_CONNECTION_URL":
                database.url.replace("postgresql://", "postgresql+asyncpg://", 1)}, database
    return {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{workdir}/restart.db"}, None


async def _send(api_url: str, name: str, resource_id: str) -> None:
    async with PrefectEventsClient(api_url=api_url) as client:
        await client.emit(Event(event=name, resource={"prefect.resource.id": resource_id}))


# Verifies a restart in the middle of a threshold window keeps the events counted before it
# (the firing is not lost), and a restart after the firing does not fire again.
def test_restart_in_window_neither_loses_nor_repeats_a_firing(dedicated_server, tmp_path):
    uid = _uid()
    rid = f"compat.restart.{uid}"
    env, database = _restartable_env(tmp_path)
    try:
        first = dedicated_server(env)
        created = httpx.post(f"{first.api_url}/automations/", json={
            "name": f"restart-{uid}",
            "trigger": {"type": "event", "expect": ["compat.restart.tick"], "match": {"prefect.resource.id": rid},
                        "posture": "Reactive", "threshold": 3, "within": 120},
            "actions": [{"type": "do-nothing"}]}, timeout=10)
        assert created.status_code == 201, created.text
        automation_id = created.json()["id"]
        time.sleep(0.5)
        run(_send(first.api_url, "compat.restart.tick", rid))
        run(_send(first.api_url, "compat.restart.tick", rid))
        # Both events are stored (so evaluated, or waiting for the engine to evaluate them).
        wait_for(lambda: len(httpx.post(f"{first.api_url}/events/filter", json={
            "filter": {"resource": {"id": [rid]}}}).json()["events"]) == 2, timeout=30, what="2 stored events")
        time.sleep(1.0)
        first.stop()

        second = dedicated_server(env)
        assert _automation_events(second.api_url, automation_id, "prefect.automation.triggered") == []
        run(_send(second.api_url, "compat.restart.tick", rid))
        _wait_events(second.api_url, automation_id, "prefect.automation.action.executed")
        time.sleep(1.0)
        second.stop()

        third = dedicated_server(env)
        time.sleep(2.0)
        assert len(_automation_events(third.api_url, automation_id, "prefect.automation.triggered")) == 1
        assert len(_automation_events(third.api_url, automation_id, "prefect.automation.action.executed")) == 1
    finally:
        if database is not None:
            database.drop()
