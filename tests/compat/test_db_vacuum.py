"""Retention: the db_vacuum service (Prefect's services/db_vacuum.py) under its own settings,
on the same data for Praetor and Prefect's server: what one deletes the other deletes, and
the rest stays.

Events carry the `occurred` their sender gives, so old events are sent through the SDK's
events client. A flow run's end_time is the server's clock when its terminal state is set,
and the flow-run retention must exceed an hour, so old runs are made by a server whose clock
runs three hours behind (libfaketime, Debian's `faketime` package); a second server, on the
real clock, then takes over the same database with the vacuum on.
"""

import asyncio
import json
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from prefect import flow, task
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.actions import ArtifactCreate, LogCreate
from prefect.events import Event
from prefect.events.clients import PrefectEventsClient
from prefect.states import Completed, Failed, Pending, Running

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
TIMEOUT = 45.0

# Short loops and tiny batches, so a pass comes every second and takes many batches.
VACUUM = {
    "PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ORPHAN_CLEANUP_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE": "2",
}


def _wait_until(check, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def _events_of(api_url: str, resource_ids: list[str], field: str = "resource") -> set[str]:
    now = datetime.now(timezone.utc)
    body = {"filter": {field: {"id": resource_ids},
                       "occurred": {"since": (now - timedelta(days=3)).isoformat(),
                                    "until": (now + timedelta(hours=1)).isoformat()}},
            "limit": 50}
    r = httpx.post(f"{api_url}/events/filter", json=body)
    assert r.status_code == 200, r.text
    return {e["id"] for e in r.json()["events"]}


# Verifies the event vacuum: events past the events retention period go, and so do those
# of a type with a retention override once past it (an override longer than the period is
# capped by it), each with its resources; younger events stay.
def test_event_retention_with_overrides(dedicated_server):
    srv = dedicated_server({
        **VACUUM,
        "PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "PT1H",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES": json.dumps(
            {"prefect.flow-run.heartbeat": 600, "test.vacuum.short": 600, "test.vacuum.capped": 86400}),
    })
    now = datetime.now(timezone.utc)
    resource = f"test.vacuum.{uuid.uuid4()}"
    ages = {  # name → (event type, age, kept)
        "long_old": ("test.vacuum.long", timedelta(hours=2), False),
        "long_new": ("test.vacuum.long", timedelta(minutes=30), True),
        "short_old": ("test.vacuum.short", timedelta(minutes=20), False),
        "short_new": ("test.vacuum.short", timedelta(minutes=5), True),
        "beat_old": ("prefect.flow-run.heartbeat", timedelta(minutes=20), False),
        "beat_new": ("prefect.flow-run.heartbeat", timedelta(minutes=1), True),
        "capped_old": ("test.vacuum.capped", timedelta(minutes=90), False),
        "capped_new": ("test.vacuum.capped", timedelta(minutes=50), True),
    }
    events = {
        name: Event(event=kind, occurred=now - age, resource={"prefect.resource.id": f"{resource}.{name}"},
                    related=[{"prefect.resource.id": resource, "prefect.resource.role": "group"}])
        for name, (kind, age, _) in ages.items()
    }

    async def send():
        async with PrefectEventsClient(srv.api_url) as client:
            for e in events.values():
                await client.emit(e)

    asyncio.run(send())
    ids = [f"{resource}.{name}" for name in ages]
    kept = {str(events[n].id) for n, (_, _, keep) in ages.items() if keep}
    gone = {str(events[n].id) for n, (_, _, keep) in ages.items() if not keep}
    _wait_until(lambda: _events_of(srv.api_url, ids) == kept, "the old events to be vacuumed")
    time.sleep(2.5)  # two more passes delete nothing else
    assert _events_of(srv.api_url, ids) == kept
    # The deleted events' resource rows went with them: only the kept events match their
    # related resource.
    assert _events_of(srv.api_url, [resource], "any_resource") == kept
    assert not gone & _events_of(srv.api_url, [resource], "related")


@flow(name="vacuum-compat")
def _a_flow():
    pass


@task(name="vacuum-task")
def _a_task():
    pass


async def _run_to(client: PrefectClient, final, parent_task_run_id=None):
    run = await client.create_flow_run(_a_flow, state=Pending(), parent_task_run_id=parent_task_run_id)
    await client.set_flow_run_state(run.id, Running())
    if final is not None:
        await client.set_flow_run_state(run.id, final)
    return run.id


async def _task_run(client: PrefectClient, flow_run_id):
    run = await client.create_task_run(_a_task, flow_run_id=flow_run_id, dynamic_key=str(uuid.uuid4()),
                                       state=Pending())
    await client.set_task_run_state(run.id, Running())
    await client.set_task_run_state(run.id, Completed())
    return run.id


async def _log(client: PrefectClient, flow_run_id) -> None:
    await client.create_logs([LogCreate(name="vacuum", level=20, message="m", timestamp=datetime.now(timezone.utc),
                                        flow_run_id=flow_run_id)])


def _faked_clock(offset: str) -> dict[str, str]:
    env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": offset}
    if TARGET == "praetor":
        # Praetor waits on the monotonic clock through pthread calls libfaketime does not
        # shift; only the wall clock, which timestamps rows, needs to run behind.
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    return env


# Verifies the flow-run vacuum (with its orphan pass): top-level runs in a terminal state
# that ended before the retention period go with their task runs, logs and artifacts; a
# subflow whose parent went becomes top-level and goes too when it is old and terminal, and
# stays (now without a parent task run) when it is not; runs still running or ended within
# the period stay; a log of a flow run that does not exist goes; an artifact key whose latest
# artifact went points at the newest one left.
def test_flow_run_retention(dedicated_server):
    if not os.path.exists(LIBFAKETIME):
        pytest.fail(f"{LIBFAKETIME} is missing: scripts/setup.sh installs Debian's faketime")
    key = f"vacuum-{uuid.uuid4().hex[:8]}"
    old = dedicated_server(_faked_clock("-3h"))

    async def make_old():
        async with PrefectClient(old.api_url) as client:
            runs = {}
            runs["running"] = await _run_to(client, None)
            kept_artifact = await client.create_artifact(ArtifactCreate(key=key, type="markdown", data="kept",
                                                                        flow_run_id=runs["running"]))
            runs["done"] = await _run_to(client, Completed())
            tasks = [await _task_run(client, runs["done"]) for _ in range(3)]
            for _ in range(5):
                await _log(client, runs["done"])
            await _log(client, runs["running"])
            gone_artifact = await client.create_artifact(ArtifactCreate(key=key, type="markdown", data="gone",
                                                                        flow_run_id=runs["done"]))
            runs["failed"] = await _run_to(client, Failed())
            runs["parent"] = await _run_to(client, Completed())
            parent_tasks = [await _task_run(client, runs["parent"]) for _ in range(2)]
            runs["subflow_done"] = await _run_to(client, Completed(), parent_task_run_id=parent_tasks[0])
            runs["subflow_running"] = await _run_to(client, None, parent_task_run_id=parent_tasks[1])
            return runs, tasks + parent_tasks, kept_artifact.id, gone_artifact.id

    runs, task_runs, kept_artifact, gone_artifact = asyncio.run(make_old())
    old.stop(keep_database=True)
    srv = dedicated_server({**VACUUM,
                            "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
                            "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": "7200"}, after=old)
    orphan_run = str(uuid.uuid4())

    async def make_new():
        async with PrefectClient(srv.api_url) as client:
            recent = await _run_to(client, Completed())
            await _log(client, recent)
            await _log(client, orphan_run)
            return recent

    runs["recent"] = asyncio.run(make_new())
    gone_runs = ["done", "failed", "parent", "subflow_done"]
    kept_runs = ["running", "subflow_running", "recent"]
    api = srv.api_url

    def status(path: str) -> int:
        return httpx.get(f"{api}{path}").status_code

    def logs_of(run_id) -> int:
        r = httpx.post(f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [str(run_id)]}}})
        assert r.status_code == 200, r.text
        return len(r.json())

    def artifacts_of(run_id) -> list[str]:
        r = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [str(run_id)]}}})
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()]

    def latest_of_key():
        r = httpx.get(f"{api}/artifacts/{key}/latest")
        return r.json()["data"] if r.status_code == 200 else None

    _wait_until(lambda: all(status(f"/flow_runs/{runs[n]}") == 404 for n in gone_runs), "old runs to be vacuumed")
    _wait_until(lambda: logs_of(runs["done"]) == 0 and logs_of(orphan_run) == 0, "their logs to be vacuumed")
    _wait_until(lambda: latest_of_key() == "kept", "the artifact key to point at the artifact left")
    time.sleep(2.5)  # two more passes delete nothing else

    for n in gone_runs:
        assert status(f"/flow_runs/{runs[n]}") == 404, n
    for t in task_runs:
        assert status(f"/task_runs/{t}") == 404
    assert artifacts_of(runs["done"]) == []
    assert status(f"/artifacts/{gone_artifact}") == 404
    for n in kept_runs:
        assert status(f"/flow_runs/{runs[n]}") == 200, n
    sub = httpx.get(f"{api}/flow_runs/{runs['subflow_running']}").json()
    assert sub["parent_task_run_id"] is None  # its parent task run went with the parent run
    assert logs_of(runs["running"]) == 1
    assert logs_of(runs["recent"]) == 1
    assert artifacts_of(runs["running"]) == [str(kept_artifact)]
    assert latest_of_key() == "kept"
