"""Task runs: the task-run recorder (client events over /events/in become task runs and
states), POST /task_runs/ get-or-create, set_state orchestration (retries, waits), the
state history routes, and 404/422 answers.

The recorder is asynchronous in both servers, so reads poll with a timeout.
"""

import asyncio
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.events import Event
from prefect.events.clients import get_events_client
from prefect.exceptions import ObjectNotFound
from prefect.states import Failed, Running

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
TIMEOUT = 30.0


def _wait_for_task_run(client, task_run_id, done) -> object:
    """Polls GET /task_runs/{id} until `done(run)` holds or the timeout passes."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            run = client.read_task_run(task_run_id)
            if done(run):
                return run
        except Exception:
            run = None
        if time.monotonic() > deadline:
            return run
        time.sleep(0.2)


def _state_names(client, task_run_id) -> list[str]:
    return [s.name for s in client.read_task_run_states(task_run_id)]


def _task_run_event(task_run_id, state_type, state_name, occurred, run_count) -> Event:
    """A task-run state event shaped as the prefect 3.9.1 task engine emits it, for a task
    run outside any flow run (Prefect's task_run table has a foreign key to flow_run, so an
    event naming an unknown flow run is dropped there)."""
    return Event(
        id=uuid.uuid4(),
        occurred=occurred,
        event=f"prefect.task-run.{state_name}",
        resource={
            "prefect.resource.id": f"prefect.task-run.{task_run_id}",
            "prefect.resource.name": "compat-task-1",
            "prefect.run-count": str(run_count),
            "prefect.state-name": state_name,
            "prefect.state-type": state_type,
            "prefect.orchestration": "client",
        },
        related=[],
        payload={
            "intended": {"from": None, "to": state_type},
            "initial_state": None,
            "validated_state": {"type": state_type, "name": state_name, "message": "", "state_details": {}, "data": None},
            "task_run": {
                "name": "compat-task-1",
                "task_key": "compat-task-abc",
                "dynamic_key": "0",
                "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0, "retry_delay": 0},
                "tags": ["compat"],
                "labels": {},
                "task_inputs": {},
                "run_count": run_count,
                "flow_run_run_count": 1,
                "expected_start_time": occurred.isoformat(),
                "total_run_time": 0.0,
            },
        },
    )


def test_recorder_records_client_events_out_of_order_and_duplicated():
    task_run_id = uuid.uuid4()
    t0 = datetime.now(timezone.utc)
    pending = _task_run_event(task_run_id, "PENDING", "Pending", t0, 0)
    running = _task_run_event(task_run_id, "RUNNING", "Running", t0 + timedelta(seconds=1), 1)
    completed = _task_run_event(task_run_id, "COMPLETED", "Completed", t0 + timedelta(seconds=2), 1)

    async def send():
        async with get_events_client() as events:
            for e in (completed, pending, running, completed, pending):
                await events.emit(e)

    asyncio.run(send())
    with get_client(sync_client=True) as client:
        run = _wait_for_task_run(client, task_run_id, lambda r: r.state and r.state.type.value == "COMPLETED")
        assert run is not None and run.state.name == "Completed"
        assert run.flow_run_id is None
        assert run.tags == ["compat"] and run.run_count == 1
        deadline = time.monotonic() + TIMEOUT
        while len(_state_names(client, task_run_id)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _state_names(client, task_run_id) == ["Pending", "Running", "Completed"]
        # A late duplicate never moves the run back.
        time.sleep(0.5)
        assert client.read_task_run(task_run_id).state.name == "Completed"


def test_flow_with_twenty_tasks_records_every_task_run():
    @task
    def double(x):
        return 2 * x

    @flow
    def fan_out():
        submitted = [double.submit(i) for i in range(10)]
        mapped = double.map(range(10))
        futures = submitted + list(mapped)
        values = [f.result() for f in futures]
        return [str(f.task_run_id) for f in futures], values

    ids, values = fan_out()
    assert values == [2 * i for i in range(10)] * 2
    assert len(set(ids)) == 20
    with get_client(sync_client=True) as client:
        for task_run_id in ids:
            run = _wait_for_task_run(client, task_run_id, lambda r: r.state and r.state.is_completed())
            assert run is not None and run.state.is_completed(), task_run_id
            assert run.state.name == "Completed"
            assert run.run_count == 1 and run.start_time is not None and run.end_time is not None


def test_task_retries_are_recorded():
    attempts = {"n": 0}

    @task(retries=3, retry_delay_seconds=0.5)
    def flaky():
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise ValueError("not yet")
        return "ok"

    @flow
    def retrying():
        future = flaky.submit()
        return str(future.task_run_id), future.result()

    task_run_id, value = retrying()
    assert value == "ok"
    with get_client(sync_client=True) as client:
        run = _wait_for_task_run(client, task_run_id, lambda r: r.state and r.state.is_completed())
        assert run.state.is_completed() and run.run_count == 3
        deadline = time.monotonic() + TIMEOUT
        while "Completed" not in _state_names(client, task_run_id) and time.monotonic() < deadline:
            time.sleep(0.2)
        names = _state_names(client, task_run_id)
        assert names[0] == "Pending" and names[-1] == "Completed"
        assert names.count("AwaitingRetry") == 2 and names.count("Retrying") == 2


def test_create_task_run_and_set_state_roundtrip(api_url):
    @task(retries=1, retry_delay_seconds=0)
    def tracked():
        pass

    key = uuid.uuid4().hex
    with get_client(sync_client=True) as client:
        run = client.create_task_run(tracked, flow_run_id=None, dynamic_key=key)
        assert run.state.type.value == "PENDING" and run.run_count == 0
        assert run.empirical_policy.retries == 1
        # Get-or-create on the natural key: same run, 200.
        again = httpx.post(f"{api_url}/task_runs/", json={"task_key": run.task_key, "dynamic_key": key})
        assert again.status_code == 200 and again.json()["id"] == str(run.id)

        result = client.set_task_run_state(run.id, Running())
        assert result.status.value == "ACCEPT" and result.state.type.value == "RUNNING"
        assert result.state.state_details.task_run_id == run.id
        # The first failure is turned into AwaitingRetry (retries=1, run_count 1).
        result = client.set_task_run_state(run.id, Failed(message="boom"))
        assert result.status.value == "REJECT"
        assert result.state.name == "AwaitingRetry" and result.state.type.value == "SCHEDULED"
        assert result.details.reason == "Retrying"
        result = client.set_task_run_state(run.id, Running())
        assert result.status.value == "ACCEPT" and result.state.name == "Retrying"
        result = client.set_task_run_state(run.id, Failed(message="boom"))
        assert result.status.value == "ACCEPT" and result.state.type.value == "FAILED"

        stored = client.read_task_run(run.id)
        assert stored.run_count == 2 and stored.state.type.value == "FAILED"
        assert stored.end_time is not None and stored.total_run_time.total_seconds() >= 0
        names = [s.name for s in client.read_task_run_states(run.id)]
        assert names == ["Pending", "Running", "AwaitingRetry", "Retrying", "Failed"]
        one = httpx.get(f"{api_url}/task_run_states/{stored.state.id}")
        assert one.status_code == 200 and one.json()["name"] == "Failed"

        r = httpx.patch(f"{api_url}/task_runs/{run.id}", json={"name": "renamed"})
        assert r.status_code == 204
        assert client.read_task_run(run.id).name == "renamed"
        client.delete_task_run(run.id)
        with pytest.raises(ObjectNotFound):
            client.delete_task_run(run.id)


def test_set_state_waits_for_scheduled_time(api_url):
    started = time.monotonic()
    r = httpx.post(f"{api_url}/task_runs/", json={"task_key": "wait", "dynamic_key": uuid.uuid4().hex,
                                                  "state": {"type": "SCHEDULED", "state_details": {
                                                      "scheduled_time": (datetime.now(timezone.utc) + timedelta(seconds=30)).isoformat()}}})
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["state"]["type"] == "SCHEDULED" and run["next_scheduled_start_time"] is not None
    w = httpx.post(f"{api_url}/task_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    assert w.status_code == 200
    body = w.json()
    assert body["status"] == "WAIT"
    # The delay is what remains of the 30 s; a loaded server may have spent some of it.
    elapsed = time.monotonic() - started
    assert body["details"]["type"] == "wait_details"
    assert 28 - elapsed <= body["details"]["delay_seconds"] <= 31, (body["details"], elapsed)
    assert body["state"]["id"] == run["state"]["id"]
    forced = httpx.post(f"{api_url}/task_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}, "force": True})
    assert forced.status_code == 201 and forced.json()["status"] == "ACCEPT"


def test_not_found_and_validation_errors(api_url):
    missing = uuid.uuid4()
    r = httpx.get(f"{api_url}/task_runs/{missing}")
    assert r.status_code == 404 and r.json() == {"detail": "Task not found"}
    r = httpx.delete(f"{api_url}/task_runs/{missing}")
    assert r.status_code == 404 and r.json() == {"detail": "Task not found"}
    r = httpx.patch(f"{api_url}/task_runs/{missing}", json={"name": "x"})
    assert r.status_code == 404 and r.json() == {"detail": "Task run not found"}
    r = httpx.post(f"{api_url}/task_runs/{missing}/set_state", json={"state": {"type": "RUNNING"}})
    assert r.status_code == 404 and r.json() == {"exception_message": f"Task run with id {missing} not found"}
    r = httpx.get(f"{api_url}/task_run_states/{missing}")
    assert r.status_code == 404
    r = httpx.get(f"{api_url}/task_run_states/", params={"task_run_id": str(missing)})
    assert r.status_code == 200 and r.json() == []
    r = httpx.get(f"{api_url}/task_runs/not-a-uuid")
    assert r.status_code == 404

    r = httpx.post(f"{api_url}/task_runs/", json={"name": "x"})
    assert r.status_code == 422
    body = r.json()
    assert body["exception_message"] == "Invalid request received."
    assert {tuple(e["loc"]) for e in body["exception_detail"]} == {("body", "task_key"), ("body", "dynamic_key")}
    r = httpx.post(f"{api_url}/task_runs/", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = httpx.post(f"{api_url}/task_runs/", json={"task_key": "k", "dynamic_key": "0", "state": {"type": "BAD"}})
    assert r.status_code == 422
    assert r.json()["exception_detail"][0]["loc"] == ["body", "state", "type"]
    created = httpx.post(f"{api_url}/task_runs/", json={"task_key": "k", "dynamic_key": uuid.uuid4().hex}).json()
    r = httpx.post(f"{api_url}/task_runs/{created['id']}/set_state", json={})
    assert r.status_code == 422 and r.json()["exception_detail"][0]["loc"] == ["body", "state"]
    r = httpx.patch(f"{api_url}/task_runs/{created['id']}", json={"name": 5})
    assert r.status_code == 422
    r = httpx.get(f"{api_url}/task_run_states/")
    assert r.status_code == 422 and r.json()["exception_detail"][0]["loc"] == ["query", "task_run_id"]
    r = httpx.get(f"{api_url}/task_run_states/", params={"task_run_id": "zz"})
    assert r.status_code == 422
