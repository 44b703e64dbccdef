"""Run history and status reads the UI makes: /flow_runs/history, /task_runs/history,
/flow_runs/lateness, /ui/task_runs/count, /ui/task_runs/{id} and
/work_pools/{name}/concurrency_status. Runs are made through the SDK; each read is scoped to
this test's own flow, run or pool, so the shared server's other data does not matter. The
requests go through the prefect client's own httpx client (get_client()), as the UI's do."""

import uuid
from datetime import datetime, timedelta, timezone

import httpx

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.settings import PREFECT_API_URL
from prefect.states import Completed, Pending, Running, Scheduled

from scenarios import wait_for

STATE_TYPES = ["COMPLETED", "PENDING", "RUNNING", "FAILED", "CANCELLED", "CRASHED", "PAUSED", "CANCELLING",
               "SCHEDULED"]


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _flow(name: str):
    @flow(name=name)
    def placeholder():
        return None

    return placeholder


def _post(path: str, body: dict):
    with get_client(sync_client=True) as client:
        return client._client.post(path, json=body)


def _refused(method: str, path: str, body: dict | None = None) -> httpx.Response:
    """An error answer (the prefect client raises on those)."""
    return httpx.request(method, f"{PREFECT_API_URL.value()}{path}", json=body, timeout=60)


def _states(bucket: dict) -> list[tuple]:
    return sorted((s["state_type"], s["state_name"], s["count_runs"]) for s in bucket["states"])


def test_flow_run_history_counts_runs_by_interval_and_state():
    name = f"history-{uuid.uuid4().hex[:8]}"
    # Expected start times a day ahead: nothing is late, nothing is marked Late meanwhile.
    base = (datetime.now(timezone.utc) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    with get_client(sync_client=True) as client:
        fl = _flow(name)
        done = client.create_flow_run(fl, state=Scheduled(scheduled_time=base + timedelta(minutes=10)))
        client.set_flow_run_state(done.id, Pending(), force=True)
        client.set_flow_run_state(done.id, Running(), force=True)
        client.set_flow_run_state(done.id, Completed(), force=True)
        client.create_flow_run(fl, state=Scheduled(scheduled_time=base + timedelta(minutes=20)))
        client.create_flow_run(fl, state=Scheduled(scheduled_time=base + timedelta(minutes=70)))
        client.create_flow_run(fl, state=Scheduled(scheduled_time=base + timedelta(hours=5)))  # outside

    body = {"history_start": base.isoformat(), "history_end": (base + timedelta(minutes=90)).isoformat(),
            "history_interval_seconds": 3600, "flows": {"name": {"any_": [name]}}}
    r = _post("/flow_runs/history", body)
    assert r.status_code == 200, r.text
    buckets = r.json()
    # ceil(90 min / 60 min) = 2 intervals, each an hour long from history_start.
    assert [(_parse(b["interval_start"]), _parse(b["interval_end"])) for b in buckets] == [
        (base, base + timedelta(hours=1)), (base + timedelta(hours=1), base + timedelta(hours=2))]
    assert _states(buckets[0]) == [("COMPLETED", "Completed", 1), ("SCHEDULED", "Scheduled", 1)]
    assert _states(buckets[1]) == [("SCHEDULED", "Scheduled", 1)]
    for state in buckets[0]["states"] + buckets[1]["states"]:
        assert set(state) == {"state_type", "state_name", "count_runs", "sum_estimated_run_time",
                              "sum_estimated_lateness"}
        assert state["sum_estimated_lateness"] == 0  # none started late, none is due
        assert state["sum_estimated_run_time"] >= 0

    # Filters narrow the counts; an empty range has no intervals; intervals under 1 s are refused.
    only_done = _post("/flow_runs/history", {**body, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}).json()
    assert [_states(b) for b in only_done] == [[("COMPLETED", "Completed", 1)], []]
    assert _post("/flow_runs/history", {**body, "history_end": base.isoformat()}).json() == []
    short = _refused("POST", "/flow_runs/history", {**body, "history_interval_seconds": 0.5})
    assert short.status_code == 422
    assert short.json() == {"detail": "History interval must not be less than 1 second."}
    missing = _refused("POST", "/flow_runs/history", {"history_start": base.isoformat()})
    assert missing.status_code == 422
    assert sorted(e["loc"][-1] for e in missing.json()["exception_detail"]) == [
        "history_end", "history_interval_seconds"]


def test_flow_run_lateness_averages_the_matching_runs():
    name = f"lateness-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        fl = _flow(name)
        # Due an hour ago and never started: late by about an hour (and counting).
        client.create_flow_run(fl, state=Scheduled(scheduled_time=datetime.now(timezone.utc) - timedelta(hours=1)))
        # Started on time.
        on_time = client.create_flow_run(fl, state=Scheduled(scheduled_time=datetime.now(timezone.utc)
                                                             + timedelta(hours=1)))
        client.set_flow_run_state(on_time.id, Running(), force=True)
        client.set_flow_run_state(on_time.id, Completed(), force=True)
    average = _post("/flow_runs/lateness", {"flows": {"name": {"any_": [name]}}})
    assert average.status_code == 200
    assert 1790 <= average.json() <= 1900  # (≈3600 + 0) / 2
    only_late = _post("/flow_runs/lateness", {"flows": {"name": {"any_": [name]}},
                                              "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}).json()
    assert 3590 <= only_late <= 3800
    nothing = _post("/flow_runs/lateness", {"flows": {"name": {"any_": [f"none-{uuid.uuid4().hex}"]}}})
    assert nothing.status_code == 200 and nothing.json() is None


def _run_three_tasks():
    @task
    def ok(x):
        return x

    @task
    def boom():
        raise ValueError("boom")

    @flow(name=f"task-history-{uuid.uuid4().hex[:8]}")
    def three_tasks():
        ok(1)
        ok(2)
        boom(return_state=True)
        return "done"

    state = three_tasks(return_state=True)
    return state.state_details.flow_run_id


def test_task_run_history_and_ui_task_run_reads():
    started = datetime.now(timezone.utc)
    flow_run_id = _run_three_tasks()
    by_run = {"flow_runs": {"id": {"any_": [str(flow_run_id)]}}}

    def counts():
        r = _post("/ui/task_runs/count", by_run)
        assert r.status_code == 200, r.text
        got = r.json()
        return got if got["COMPLETED"] == 2 and got["FAILED"] == 1 else None

    got = wait_for(counts, 30, "the flow's three task runs to be recorded as final")
    assert list(got) == STATE_TYPES
    assert {k: v for k, v in got.items() if v} == {"COMPLETED": 2, "FAILED": 1}

    start = started.replace(second=0, microsecond=0) - timedelta(minutes=1)
    history = _post("/task_runs/history", {"history_start": start.isoformat(),
                                           "history_end": (start + timedelta(minutes=30)).isoformat(),
                                           "history_interval_seconds": 600, **by_run})
    assert history.status_code == 200, history.text
    buckets = history.json()
    assert len(buckets) == 3
    totals: dict = {}
    for b in buckets:
        for s in b["states"]:
            totals[(s["state_type"], s["state_name"])] = totals.get((s["state_type"], s["state_name"]), 0) + s["count_runs"]
    assert totals == {("COMPLETED", "Completed"): 2, ("FAILED", "Failed"): 1}

    with get_client(sync_client=True) as client:
        ours = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        flow_run = client.read_flow_run(flow_run_id)
    assert ours
    one = _post("/ui/task_runs/count", {"task_runs": {"id": {"any_": [str(ours[0].id)]}}, **by_run}).json()
    assert sum(one.values()) == 1
    with get_client(sync_client=True) as client:
        read = client._client.get(f"/ui/task_runs/{ours[0].id}")
        assert read.status_code == 200
        body = read.json()
        assert body["id"] == str(ours[0].id) and body["flow_run_id"] == str(flow_run_id)
        assert body["flow_run_name"] == flow_run.name
        assert body["task_key"] == ours[0].task_key and body["state"]["type"] in ("COMPLETED", "FAILED")
    missing = _refused("GET", f"/ui/task_runs/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json() == {"detail": "Task not found"}


def test_work_pool_concurrency_status():
    pool_name = f"status-pool-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=pool_name, type="process", concurrency_limit=5))
        client.create_work_queue(name="second", work_pool_name=pool_name)
        fl = _flow(f"status-flow-{uuid.uuid4().hex[:8]}")
        flow_id = client.create_flow(fl)
        deployment_id = client.create_deployment(flow_id=flow_id, name="d", work_pool_name=pool_name,
                                                 work_queue_name="second")
        running = client.create_flow_run_from_deployment(deployment_id)
        pending = client.create_flow_run_from_deployment(deployment_id)
        client.create_flow_run_from_deployment(deployment_id)  # stays scheduled: holds no slot
        client.set_flow_run_state(running.id, Running(), force=True)
        client.set_flow_run_state(pending.id, Pending(), force=True)

    r = _post(f"/work_pools/{pool_name}/concurrency_status", {})
    assert r.status_code == 200, r.text
    status = r.json()
    assert status["active_slots"] == 2 and status["concurrency_limit"] == 5
    assert status["count"] == 2 and status["page"] == 1 and status["pages"] == 1
    queues = {q["queue_name"]: q for q in status["queues"]}
    assert set(queues) == {"default", "second"}
    assert queues["default"]["active_slots"] == 0 and queues["default"]["flow_runs"] == []
    second = queues["second"]
    assert second["active_slots"] == 2 and second["flow_run_count"] == 2 and second["concurrency_limit"] is None
    assert sorted(run["id"] for run in second["flow_runs"]) == sorted([str(running.id), str(pending.id)])
    assert {run["state_type"] for run in second["flow_runs"]} == {"RUNNING", "PENDING"}
    assert all(run["time_in_current_state"] >= 0 for run in second["flow_runs"])

    # One queue per page; at most one run per queue listed.
    paged = _post(f"/work_pools/{pool_name}/concurrency_status", {"limit": 1, "page": 2, "flow_run_limit": 1}).json()
    assert paged["pages"] == 2 and paged["page"] == 2 and paged["limit"] == 1 and len(paged["queues"]) == 1
    assert paged["queues"][0]["queue_name"] == "second"
    assert len(paged["queues"][0]["flow_runs"]) == 1 and paged["queues"][0]["flow_run_count"] == 2

    missing = _refused("POST", "/work_pools/no-such-pool/concurrency_status", {})
    assert missing.status_code == 404 and missing.json() == {"detail": "Work pool 'no-such-pool' not found."}
    bad = _refused("POST", f"/work_pools/{pool_name}/concurrency_status", {"page": 0, "flow_run_limit": 201})
    assert bad.status_code == 422
    assert sorted(e["loc"][-1] for e in bad.json()["exception_detail"]) == ["flow_run_limit", "page"]
