"""Flow runs through the real SDK: the engine's create/set_state traffic, retries, failures,
subflows, persisted results, pause/resume, and the client's set_state results."""

import os
import threading
import time
import uuid

import httpx
import pytest

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.states import Completed, Failed, Pending, Running

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")


def _new_run(client, flow_name: str, **kwargs):
    """A flow run in PENDING created through the client, as the engine creates one."""

    @flow(name=flow_name)
    def placeholder():
        return None

    return client.create_flow_run(placeholder, state=Pending(), **kwargs)


def test_hello_world_flow_completes():
    @flow(name=f"hello-{uuid.uuid4().hex[:6]}")
    def hello(name: str = "world") -> str:
        return f"hello {name}"

    state = hello(return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
    assert run.state.type == StateType.COMPLETED
    assert run.state.name == "Completed"
    assert run.run_count == 1
    assert run.parameters == {"name": "world"}
    assert run.start_time is not None and run.end_time is not None
    assert run.end_time >= run.start_time
    assert run.total_run_time.total_seconds() >= 0
    assert run.labels["prefect.flow.id"] == str(run.flow_id)
    assert run.state.state_details.flow_run_id == run.id


def test_flow_retries_then_succeeds():
    attempts = {"n": 0}

    @flow(name=f"flaky-{uuid.uuid4().hex[:6]}", retries=2, retry_delay_seconds=1)
    def flaky():
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ValueError("first attempt fails")
        return "ok"

    state = flaky(return_state=True)
    assert state.is_completed()
    assert attempts["n"] == 2
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        history = client.read_flow_run_states(flow_run_id)
    assert run.state.type == StateType.COMPLETED
    assert run.run_count == 2
    assert run.empirical_policy.retry_type == "in_process"
    names = [s.name for s in history]
    types = [s.type for s in history]
    assert names[0] == "Pending"
    assert "AwaitingRetry" in names
    retry_at = names.index("AwaitingRetry")
    awaiting = history[retry_at]
    assert awaiting.type == StateType.SCHEDULED
    assert awaiting.state_details.scheduled_time is not None
    assert "first attempt fails" in (awaiting.message or "")
    # The flow's RUNNING after AwaitingRetry keeps the name "Running" in this release
    # (RenameReruns, which names it "Retrying", is a task-run rule upstream).
    assert types[retry_at + 1] == StateType.RUNNING
    assert names[retry_at + 1] == "Running"
    assert names[-1] == "Completed"
    stamps = [s.timestamp for s in history]
    assert stamps == sorted(stamps)


def test_failing_flow_ends_failed_with_message():
    @flow(name=f"failing-{uuid.uuid4().hex[:6]}")
    def failing():
        raise RuntimeError("the answer was not 42")

    state = failing(return_state=True)
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state.type == StateType.FAILED
    assert run.state.name == "Failed"
    assert "the answer was not 42" in run.state.message
    assert run.end_time is not None
    assert run.run_count == 1


def test_nested_subflows_three_deep(api_url):
    suffix = uuid.uuid4().hex[:6]
    seen = {}

    @flow(name=f"leaf-{suffix}")
    def leaf():
        from prefect.context import FlowRunContext

        seen["leaf"] = FlowRunContext.get().flow_run.id
        return 3

    @flow(name=f"middle-{suffix}")
    def middle():
        from prefect.context import FlowRunContext

        seen["middle"] = FlowRunContext.get().flow_run.id
        return leaf() + 2

    @flow(name=f"top-{suffix}")
    def top():
        from prefect.context import FlowRunContext

        seen["top"] = FlowRunContext.get().flow_run.id
        return middle() + 1

    state = top(return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        runs = {k: client.read_flow_run(v) for k, v in seen.items()}
        assert runs["top"].parent_task_run_id is None
        for child in ("middle", "leaf"):
            run = runs[child]
            assert run.parent_task_run_id is not None
            assert run.state.type == StateType.COMPLETED
            assert run.state.state_details.task_run_id == run.parent_task_run_id
            parent_task = client.read_task_run(run.parent_task_run_id)
            assert parent_task.state.state_details.child_flow_run_id == run.id
            assert parent_task.state.type == StateType.COMPLETED  # mirrored from the subflow
        middle_task = client.read_task_run(runs["leaf"].parent_task_run_id)
        assert middle_task.flow_run_id == runs["middle"].id


def test_persisted_result_reads_back():
    @flow(name=f"persist-{uuid.uuid4().hex[:6]}", persist_result=True)
    def answer():
        return {"answer": 42}

    state = answer(return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state.data is not None
    assert run.state.result() == {"answer": 42}


def test_pause_and_resume_from_another_thread():
    ids = {}

    def resumer():
        deadline = time.monotonic() + 30
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                flow_run_id = ids.get("run")
                if flow_run_id:
                    run = client.read_flow_run(flow_run_id)
                    if run.state and run.state.is_paused():
                        ids["paused_state"] = run.state
                        resume_flow_run(flow_run_id)
                        return
                time.sleep(0.2)

    @flow(name=f"pausing-{uuid.uuid4().hex[:6]}")
    def pausing():
        from prefect.context import FlowRunContext

        ids["run"] = FlowRunContext.get().flow_run.id
        pause_flow_run(timeout=30, poll_interval=1)
        return "resumed"

    thread = threading.Thread(target=resumer)
    thread.start()
    state = pausing(return_state=True)
    thread.join(timeout=40)
    assert state.is_completed()
    assert state.result() == "resumed"
    paused = ids["paused_state"]
    assert paused.type == StateType.PAUSED
    assert paused.state_details.pause_key == "1"
    assert paused.state_details.pause_timeout is not None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(ids["run"])
        history = [s.type for s in client.read_flow_run_states(ids["run"])]
    assert run.state.type == StateType.COMPLETED
    assert run.empirical_policy.pause_keys == {"1"}
    assert run.empirical_policy.resuming is False
    assert history.count(StateType.PAUSED) == 1
    # Upstream counts the resumed RUNNING as a new run.
    assert run.run_count == 2


def test_set_state_accept_reject_wait_abort(api_url):
    with get_client(sync_client=True) as client:
        run = _new_run(client, f"set-state-{uuid.uuid4().hex[:6]}")
        assert run.state.type == StateType.PENDING

        accepted = client.set_flow_run_state(run.id, Running())
        assert accepted.status == SetStateStatus.ACCEPT
        assert accepted.state.type == StateType.RUNNING
        assert accepted.state.state_details.flow_run_id == run.id

        # Re-sending the same transition id returns the current state (REJECT). The client
        # mints a fresh transition id per call, so the retry is sent as the engine's HTTP
        # retry would resend it.
        proposal = {"state": {"type": "RUNNING", "state_details": {"transition_id": str(uuid.uuid4())}}}
        first = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json=proposal)
        assert first.status_code == 201 and first.json()["status"] == "ACCEPT"
        again = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json=proposal)
        assert again.status_code == 200
        assert again.json()["status"] == "REJECT"
        assert again.json()["state"]["id"] == first.json()["state"]["id"]
        assert again.json()["details"] == {
            "type": "reject_details",
            "reason": "This run has already made this state transition.",
        }

        # RUNNING → PENDING aborts.
        aborted = client.set_flow_run_state(run.id, Pending())
        assert aborted.status == SetStateStatus.ABORT
        assert "cannot transition to a PENDING state" in aborted.details.reason

        # A run without a persisted result may move between final states.
        done = client.set_flow_run_state(run.id, Completed())
        assert done.status == SetStateStatus.ACCEPT
        refailed = client.set_flow_run_state(run.id, Failed(), force=False)
        assert refailed.status == SetStateStatus.ACCEPT

    with get_client(sync_client=True) as client:
        run = _new_run(client, f"retrying-{uuid.uuid4().hex[:6]}")
        client.update_flow_run(run.id, empirical_policy={"retries": 1, "retry_delay": 30})
        assert client.set_flow_run_state(run.id, Running()).status == SetStateStatus.ACCEPT
        rejected = client.set_flow_run_state(run.id, Failed(message="boom"))
        assert rejected.status == SetStateStatus.REJECT
        assert rejected.details.reason == "Retrying"
        assert rejected.state.name == "AwaitingRetry"
        assert rejected.state.type == StateType.SCHEDULED
        assert rejected.state.message == "boom"
        waiting = client.set_flow_run_state(run.id, Running())
        assert waiting.status == SetStateStatus.WAIT
        assert 28 <= waiting.details.delay_seconds <= 30
        assert waiting.state.id == rejected.state.id
        forced = client.set_flow_run_state(run.id, Running(), force=True)
        assert forced.status == SetStateStatus.ACCEPT
        final = client.set_flow_run_state(run.id, Failed(message="boom again"))
        assert final.status == SetStateStatus.ACCEPT
        assert final.state.type == StateType.FAILED
        assert client.read_flow_run(run.id).run_count == 2


def test_set_state_status_codes_and_create_idempotency(api_url):
    with get_client(sync_client=True) as client:
        run = _new_run(client, f"codes-{uuid.uuid4().hex[:6]}")
        flow_id = run.flow_id
    r = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json={"state": {"type": "RUNNING"}})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "ACCEPT"
    assert body["details"] == {"type": "accept_details"}
    r = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json={"state": {"type": "PENDING"}})
    assert r.status_code == 200
    assert r.json()["status"] == "ABORT"
    assert r.json()["state"]["type"] == "RUNNING"

    key = uuid.uuid4().hex
    first = httpx.post(f"{api_url}/flow_runs/", json={"flow_id": str(flow_id), "idempotency_key": key})
    assert first.status_code == 201
    assert first.json()["state"]["type"] == "PENDING"
    assert first.json()["name"]
    second = httpx.post(f"{api_url}/flow_runs/", json={"flow_id": str(flow_id), "idempotency_key": key})
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]

    # Labels merge; PATCH and DELETE answer 204.
    rid = first.json()["id"]
    assert httpx.patch(f"{api_url}/flow_runs/{rid}/labels", json={"team": "data"}).status_code == 204
    assert httpx.patch(f"{api_url}/flow_runs/{rid}", json={"name": "renamed"}).status_code == 204
    got = httpx.get(f"{api_url}/flow_runs/{rid}").json()
    assert got["name"] == "renamed"
    assert got["labels"]["team"] == "data"
    assert got["labels"]["prefect.flow.id"] == str(flow_id)
    states = httpx.get(f"{api_url}/flow_run_states/", params={"flow_run_id": rid}).json()
    assert [s["type"] for s in states] == ["PENDING"]
    one = httpx.get(f"{api_url}/flow_run_states/{states[0]['id']}")
    assert one.status_code == 200 and one.json()["id"] == states[0]["id"]
    assert httpx.delete(f"{api_url}/flow_runs/{rid}").status_code == 204
    assert httpx.get(f"{api_url}/flow_runs/{rid}").status_code == 404


@pytest.mark.skipif(TARGET == "prefect", reason="target-specific: Praetor's choice: Prefect 3.9.1 mints run ids as UUIDv4")
def test_praetor_mints_run_ids_as_time_ordered_uuid7(api_url):
    # Any UUID is valid to the client; Praetor mints flow-run ids as UUIDv7 so they sort in
    # creation order and the runs' primary-key index grows at its end (random UUIDv4 keys
    # touched a random index page per new run: W1 +40% runs/s with UUIDv7).
    with get_client(sync_client=True) as client:
        first = _new_run(client, f"ids-{uuid.uuid4().hex[:6]}")
        second = _new_run(client, f"ids-{uuid.uuid4().hex[:6]}")
    for run in (first, second):
        assert uuid.UUID(str(run.id)).version == 7
    assert str(first.id) < str(second.id)


def test_resume_when_not_paused(api_url):
    with get_client(sync_client=True) as client:
        run = _new_run(client, f"resume-{uuid.uuid4().hex[:6]}")
        result = client.resume_flow_run(run.id)
    assert result.status == SetStateStatus.ABORT
    assert result.state is None
    assert result.details.reason == "Cannot resume a flow run that is not paused."


def test_bad_ids_and_bodies(api_url):
    missing = uuid.uuid4()
    r = httpx.get(f"{api_url}/flow_runs/{missing}")
    assert r.status_code == 404 and r.json() == {"detail": "Flow run not found"}
    r = httpx.patch(f"{api_url}/flow_runs/{missing}", json={"name": "x"})
    assert r.status_code == 404 and r.json() == {"detail": "Flow run not found"}
    r = httpx.delete(f"{api_url}/flow_runs/{missing}")
    assert r.status_code == 404 and r.json() == {"detail": "Flow run not found"}
    r = httpx.post(f"{api_url}/flow_runs/{missing}/set_state", json={"state": {"type": "RUNNING"}})
    assert r.status_code == 404
    assert r.json() == {"exception_message": f"Flow run with id {missing} not found"}
    r = httpx.patch(f"{api_url}/flow_runs/{missing}/labels", json={"a": "b"})
    assert r.status_code == 404
    assert r.json() == {"exception_message": f"Flow run with id {missing} not found"}
    r = httpx.get(f"{api_url}/flow_run_states/{missing}")
    assert r.status_code == 404 and r.json() == {"detail": "Flow run state not found"}
    assert httpx.get(f"{api_url}/flow_run_states/", params={"flow_run_id": str(missing)}).json() == []
    r = httpx.get(f"{api_url}/flow_run_states/")
    assert r.status_code == 422
    assert r.json()["exception_detail"][0]["loc"] == ["query", "flow_run_id"]
    assert httpx.get(f"{api_url}/flow_runs/not-a-uuid").status_code == 404

    r = httpx.post(f"{api_url}/flow_runs/", json={"name": "x"})
    assert r.status_code == 422
    assert any(e["loc"] == ["body", "flow_id"] for e in r.json()["exception_detail"])
    r = httpx.post(f"{api_url}/flow_runs/", json={"flow_id": "nope", "tags": "x"})
    assert r.status_code == 422
    r = httpx.post(f"{api_url}/flow_runs/", json={"flow_id": str(missing)})
    assert r.status_code == 409
    with get_client(sync_client=True) as client:
        run = _new_run(client, f"bad-{uuid.uuid4().hex[:6]}")
    r = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json={"state": {"type": "DONE"}})
    assert r.status_code == 422
    r = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", json={"force": True})
    assert r.status_code == 422
    assert any(e["loc"] == ["body", "state"] for e in r.json()["exception_detail"])
    r = httpx.post(f"{api_url}/flow_runs/{run.id}/set_state", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = httpx.patch(f"{api_url}/flow_runs/{run.id}", json={"parameters": [1]})
    assert r.status_code == 422
    r = httpx.patch(f"{api_url}/flow_runs/{run.id}/labels", json=["not", "a", "dict"])
    assert r.status_code == 422


def test_filter_count_paginate(api_url):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState
    from prefect.client.schemas.filters import FlowRunFilterStateType
    from prefect.client.schemas.sorting import FlowRunSort

    flow_name = f"listed-{uuid.uuid4().hex[:6]}"
    with get_client(sync_client=True) as client:
        runs = [_new_run(client, flow_name) for _ in range(3)]
        client.set_flow_run_state(runs[0].id, Running())
        by_flow = FlowFilter(name=FlowFilterName(any_=[flow_name]))
        listed = client.read_flow_runs(flow_filter=by_flow, sort=FlowRunSort.EXPECTED_START_TIME_ASC)
        assert [r.id for r in listed] == [r.id for r in runs]
        assert all(r.state is not None for r in listed)
        running = client.read_flow_runs(
            flow_filter=by_flow,
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["RUNNING"]))),
        )
        assert [r.id for r in running] == [runs[0].id]
        assert client.count_flow_runs(flow_filter=by_flow) == 3
        limited = client.read_flow_runs(flow_filter=by_flow, limit=2, offset=1, sort=FlowRunSort.EXPECTED_START_TIME_ASC)
        assert [r.id for r in limited] == [runs[1].id, runs[2].id]
    r = httpx.post(f"{api_url}/flow_runs/paginate", json={"flows": {"name": {"any_": [flow_name]}}, "limit": 2, "page": 2})
    assert r.status_code == 200
    page = r.json()
    assert (page["count"], page["limit"], page["pages"], page["page"]) == (3, 2, 2, 2)
    assert len(page["results"]) == 1
    r = httpx.post(f"{api_url}/flow_runs/filter", json={"sort": "NOT_A_SORT"})
    assert r.status_code == 422


# Verifies the runs page's order (START_TIME_DESC/ASC: the actual start, else the expected
# start) within a window of expected start, through the SDK and /paginate: runs scheduled days,
# hours and minutes away, two of them started now (one three days late, one half an hour late),
# and windows that take in the late start or only part of the runs.
def test_runs_page_start_time_order_in_an_expected_start_window(api_url):
    from datetime import datetime, timedelta, timezone

    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter
    from prefect.client.schemas.filters import FlowRunFilterExpectedStartTime
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.states import Scheduled

    flow_name = f"runs-page-{uuid.uuid4().hex[:6]}"
    now = datetime.now(timezone.utc)
    offsets = {"3d-late": timedelta(days=-3), "2h-ago": timedelta(hours=-2), "30m-late": timedelta(minutes=-30),
               "in-10m": timedelta(minutes=10), "in-2h": timedelta(hours=2), "in-1d": timedelta(days=1)}

    @flow(name=flow_name)
    def placeholder():
        return None

    with get_client(sync_client=True) as client:
        runs = {k: client.create_flow_run(placeholder, state=Scheduled(scheduled_time=now + o)).id
                for k, o in offsets.items()}
        for k in ("3d-late", "30m-late"):  # in this order: the half-hour-late run starts last
            client.set_flow_run_state(runs[k], Running(), force=True)
        by_flow = FlowFilter(name=FlowFilterName(any_=[flow_name]))

        def page(after, before, sort):
            window = FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(after_=after, before_=before))
            listed = client.read_flow_runs(flow_filter=by_flow, flow_run_filter=window, sort=sort)
            return [next(k for k, v in runs.items() if v == r.id) for r in listed]

        wide = (now - timedelta(days=4), now + timedelta(hours=3))
        desc = ["in-2h", "in-10m", "30m-late", "3d-late", "2h-ago"]
        assert page(*wide, FlowRunSort.START_TIME_DESC) == desc
        assert page(*wide, FlowRunSort.START_TIME_ASC) == desc[::-1]
        assert page(now - timedelta(hours=3), now + timedelta(hours=1), FlowRunSort.START_TIME_DESC) == [
            "in-10m", "30m-late", "2h-ago"]
        assert page(now - timedelta(days=4), now - timedelta(days=2), FlowRunSort.START_TIME_DESC) == ["3d-late"]
        assert page(now + timedelta(hours=1), None, FlowRunSort.START_TIME_ASC) == ["in-2h", "in-1d"]
    body = {"flows": {"name": {"any_": [flow_name]}}, "sort": "START_TIME_DESC", "limit": 2, "page": 2,
            "flow_runs": {"expected_start_time": {"after_": wide[0].isoformat(), "before_": wide[1].isoformat()}}}
    r = httpx.post(f"{api_url}/flow_runs/paginate", json=body)
    assert r.status_code == 200
    result = r.json()
    assert (result["count"], result["pages"]) == (5, 3)
    assert [str(x["id"]) for x in result["results"]] == [str(runs[k]) for k in desc[2:4]]


# Verifies /flow_runs/bulk_set_state sends each matching run through the policy and reports
# per run, and /flow_runs/bulk_delete deletes only the filtered runs, within the limit.
def test_bulk_set_state_and_bulk_delete(api_url):
    name = f"bulk-{uuid.uuid4().hex[:6]}"
    with get_client(sync_client=True) as client:
        runs = [_new_run(client, name) for _ in range(3)]
    ids = [str(r.id) for r in runs]
    only_these = {"flow_runs": {"id": {"any_": ids}}}
    r = httpx.post(f"{api_url}/flow_runs/bulk_set_state",
                   json={**only_these, "state": {"type": "CANCELLED", "name": "Cancelled"}, "force": True})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert sorted(x["flow_run_id"] for x in results) == sorted(ids)
    assert {(x["status"], x["state"]["type"]) for x in results} == {("ACCEPT", "CANCELLED")}
    with get_client(sync_client=True) as client:
        assert {client.read_flow_run(i).state.type for i in ids} == {StateType.CANCELLED}
    bad = httpx.post(f"{api_url}/flow_runs/bulk_delete", json={**only_these, "limit": 51})
    assert bad.status_code == 422
    r = httpx.post(f"{api_url}/flow_runs/bulk_delete", json={**only_these, "limit": 2})
    assert r.status_code == 200, r.text
    deleted = r.json()["deleted"]
    assert len(deleted) == 2 and set(deleted) <= set(ids)
    left = httpx.post(f"{api_url}/flow_runs/filter", json=only_these).json()
    assert [x["id"] for x in left] == [i for i in ids if i not in deleted]
    assert httpx.post(f"{api_url}/flow_runs/bulk_delete", json=only_these).json()["deleted"] == [left[0]["id"]]
