"""The /api/ui/* reads the Prefect dashboard makes on its first pages: the flow-run history
chart, task-run counts per flow run, deployment counts and next runs per flow, and the
dashboard's task-run buckets. Data is created through the client; each test scopes its reads
to its own flows or runs, so the shared server's other data does not matter."""

import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.states import Completed, Failed, Pending, Running, Scheduled

SHAPE = {"id", "state_type", "timestamp", "duration", "lateness"}


def _post(url: str, json) -> httpx.Response:
    return httpx.post(url, json=json, timeout=60)  # a loaded machine can be slow


def _flow(name: str):
    @flow(name=name)
    def placeholder():
        return None

    return placeholder


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _by_flow(name: str) -> dict:
    return {"flows": {"name": {"any_": [name]}}}


def test_flow_run_history_rows_and_derived_fields(api_url):
    name = f"ui-history-{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc)
    with get_client(sync_client=True) as client:
        fl = _flow(name)
        done = client.create_flow_run(fl, state=Pending())
        client.set_flow_run_state(done.id, Running())
        client.set_flow_run_state(done.id, Completed())
        late = client.create_flow_run(fl, state=Scheduled(scheduled_time=now - timedelta(hours=2)))
        running = client.create_flow_run(fl, state=Running())
    r = _post(f"{api_url}/ui/flow_runs/history", _by_flow(name))
    assert r.status_code == 200
    rows = r.json()
    assert all(set(row) == SHAPE for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {str(done.id), str(late.id), str(running.id)}
    # Default sort: expected start time, newest first; the late run was expected 2 h ago.
    assert rows[-1]["id"] == str(late.id)

    completed = by_id[str(done.id)]
    assert completed["state_type"] == "COMPLETED"
    assert isinstance(completed["duration"], float) and completed["duration"] >= 0
    assert isinstance(completed["lateness"], float) and completed["lateness"] >= 0
    assert abs(_parse(completed["timestamp"]) - now) < timedelta(minutes=5)

    scheduled = by_id[str(late.id)]
    assert scheduled["state_type"] == "SCHEDULED"
    assert scheduled["duration"] == 0.0
    # Not started, not final and due: lateness grows from the expected start time.
    assert 7200 - 5 <= scheduled["lateness"] <= 7200 + 300
    assert abs(_parse(scheduled["timestamp"]) - (now - timedelta(hours=2))) < timedelta(seconds=1)

    active = by_id[str(running.id)]
    assert active["state_type"] == "RUNNING"
    assert active["duration"] > 0  # a RUNNING run's duration includes the time since it started
    assert active["lateness"] >= 0


def test_flow_run_history_filters_sort_limit_offset(api_url):
    name = f"ui-history-{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc)
    with get_client(sync_client=True) as client:
        fl = _flow(name)
        ids = [client.create_flow_run(fl, state=Scheduled(scheduled_time=now + timedelta(minutes=i))).id
               for i in range(4)]
    body = {**_by_flow(name), "sort": "EXPECTED_START_TIME_ASC", "limit": 2, "offset": 1}
    r = _post(f"{api_url}/ui/flow_runs/history", body)
    assert r.status_code == 200
    assert [row["id"] for row in r.json()] == [str(ids[1]), str(ids[2])]
    # Future runs are not late.
    assert all(row["lateness"] == 0.0 and row["duration"] == 0.0 for row in r.json())

    body = {**_by_flow(name), "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
    assert _post(f"{api_url}/ui/flow_runs/history", body).json() == []


def test_flow_run_history_bad_input(api_url):
    r = _post(f"{api_url}/ui/flow_runs/history", {"limit": 1001})
    assert r.status_code == 422
    r = _post(f"{api_url}/ui/flow_runs/history", {"offset": -1})
    assert r.status_code == 422
    r = _post(f"{api_url}/ui/flow_runs/history", {"sort": "NOPE"})
    assert r.status_code == 422


def test_count_task_runs_by_flow_run(api_url):
    @task
    def work():
        return None

    with get_client(sync_client=True) as client:
        fl = _flow(f"ui-count-{uuid.uuid4().hex[:8]}")
        busy = client.create_flow_run(fl, state=Running())
        idle = client.create_flow_run(fl, state=Running())
        for i in range(3):
            client.create_task_run(work, flow_run_id=busy.id, dynamic_key=str(i))
    r = _post(f"{api_url}/ui/flow_runs/count-task-runs", {"flow_run_ids": [str(busy.id), str(idle.id)]})
    assert r.status_code == 200
    assert r.json() == {str(busy.id): 3, str(idle.id): 0}
    unknown = str(uuid.uuid4())
    assert _post(f"{api_url}/ui/flow_runs/count-task-runs",
                      {"flow_run_ids": [unknown]}).json() == {unknown: 0}


@pytest.mark.parametrize("path,key", [("/ui/flow_runs/count-task-runs", "flow_run_ids"),
                                      ("/ui/flows/count-deployments", "flow_ids"),
                                      ("/ui/flows/next-runs", "flow_ids")])
def test_id_list_routes_validate(api_url, path, key):
    assert _post(f"{api_url}{path}", {}).status_code == 422
    assert _post(f"{api_url}{path}", {key: ["not-a-uuid"]}).status_code == 422
    too_many = [str(uuid.uuid4()) for _ in range(201)]
    assert _post(f"{api_url}{path}", {key: too_many}).status_code == 422
    assert _post(f"{api_url}{path}", {key: []}).json() == {}


async def _deployments(flow_name: str, count: int):
    async with get_client() as client:
        flow_id = await client.create_flow_from_name(flow_name)
        for i in range(count):
            await client.create_deployment(flow_id=flow_id, name=f"ui-dep-{i}")
        return flow_id


def test_count_deployments_by_flow(api_url):
    import asyncio

    with_two = asyncio.run(_deployments(f"ui-deps-{uuid.uuid4().hex[:8]}", 2))
    without = asyncio.run(_deployments(f"ui-deps-{uuid.uuid4().hex[:8]}", 0))
    r = _post(f"{api_url}/ui/flows/count-deployments", {"flow_ids": [str(with_two), str(without)]})
    assert r.status_code == 200
    assert r.json() == {str(with_two): 2, str(without): 0}


def test_next_runs_by_flow(api_url):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with get_client(sync_client=True) as client:
        fl = _flow(f"ui-next-{uuid.uuid4().hex[:8]}")
        later = client.create_flow_run(fl, state=Scheduled(scheduled_time=now + timedelta(hours=2)))
        sooner = client.create_flow_run(fl, state=Scheduled(scheduled_time=now + timedelta(hours=1)))
        client.create_flow_run(fl, state=Running())
        other = _flow(f"ui-next-{uuid.uuid4().hex[:8]}")
        idle = client.create_flow_run(other, state=Running())
    assert later.id != sooner.id
    r = _post(f"{api_url}/ui/flows/next-runs", {"flow_ids": [str(sooner.flow_id), str(idle.flow_id)]})
    assert r.status_code == 200
    body = r.json()
    assert body[str(idle.flow_id)] is None
    nxt = body[str(sooner.flow_id)]
    assert set(nxt) == {"id", "flow_id", "name", "state_name", "state_type", "next_scheduled_start_time"}
    assert nxt["id"] == str(sooner.id) and nxt["flow_id"] == str(sooner.flow_id)
    assert nxt["name"] == sooner.name and nxt["state_type"] == "SCHEDULED" and nxt["state_name"] == "Scheduled"
    assert _parse(nxt["next_scheduled_start_time"]) == now + timedelta(hours=1)


def test_dashboard_task_run_counts(api_url):
    @task
    def work():
        return None

    with get_client(sync_client=True) as client:
        fl = _flow(f"ui-dash-{uuid.uuid4().hex[:8]}")
        run = client.create_flow_run(fl, state=Running())
        finals = [Completed(), Completed(), Failed(), None]  # the last one stays RUNNING: not counted
        for i, final in enumerate(finals):
            tr = client.create_task_run(work, flow_run_id=run.id, dynamic_key=str(i))
            client.set_task_run_state(tr.id, Running(), force=True)
            if final is not None:
                client.set_task_run_state(tr.id, final, force=True)
    after = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    body = {"task_runs": {"start_time": {"after_": after}, "state": {"type": {"any_": ["RUNNING"]}}},
            "flow_runs": {"id": {"any_": [str(run.id)]}}}
    r = _post(f"{api_url}/ui/task_runs/dashboard/counts", body)
    assert r.status_code == 200
    buckets = r.json()
    assert len(buckets) == 20 and all(set(b) == {"completed", "failed"} for b in buckets)
    # The body's state filter is replaced by "terminal states"; all runs started just now,
    # in the window's last bucket.
    assert sum(b["completed"] for b in buckets) == 2 and sum(b["failed"] for b in buckets) == 1
    assert buckets[-1] == {"completed": 2, "failed": 1}

    r = _post(f"{api_url}/ui/task_runs/dashboard/counts", {"task_runs": {}})
    assert r.status_code == 422 and r.json() == {"detail": "task_runs.start_time.after_ is required"}
    assert _post(f"{api_url}/ui/task_runs/dashboard/counts", {}).status_code == 422
