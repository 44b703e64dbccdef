"""End-to-end run scenarios: real flows and tasks through the unmodified SDK.

These define "done" for the core run path: flow runs and their states, task runs recorded
from client events, logs, retries (task- and flow-level), failures, subflows, async
flows, persisted results, pause/resume, and many flows at once from separate processes.
"""

import asyncio
import subprocess
import threading
import time

from prefect import flow, get_run_logger, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowRunFilter, LogFilter
from prefect.client.schemas.objects import StateType
from prefect.context import get_run_context
from prefect.flow_runs import pause_flow_run, resume_flow_run

from scenarios import child_env, script_command, unique, wait_for, write_script


def _task_runs_of(client, flow_run_id):
    return client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}))


def _wait_for_completed_task_runs(client, flow_run_id, count, timeout=30.0):
    """Polls until `count` task runs of the flow run are recorded and all are COMPLETED."""

    def probe():
        runs = _task_runs_of(client, flow_run_id)
        if len(runs) == count and all(r.state_type == StateType.COMPLETED for r in runs):
            return runs
        return None

    return wait_for(probe, timeout=timeout, what=f"{count} completed task runs of flow run {flow_run_id}")


def _state_names(states):
    return [s.name for s in sorted(states, key=lambda s: s.timestamp)]


# Verifies a flow's log line reaches the server and reads back through the client.
def test_hello_world_flow_log_is_read_back():
    message = f"hello from {unique('world')}"

    @flow(name=unique("hello"))
    def hello():
        get_run_logger().info(message)
        return "done"

    state = hello(return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        assert run.state_type == StateType.COMPLETED
        assert run.state_name == "Completed"
        assert run.run_count == 1

        def probe():
            logs = client.read_logs(log_filter=LogFilter(flow_run_id={"any_": [flow_run_id]}))
            return [log for log in logs if log.message == message]

        (log,) = wait_for(probe, what="the flow's log line")
        assert log.level == 20
        assert log.name == "prefect.flow_runs"
        assert log.flow_run_id == flow_run_id
        assert log.task_run_id is None


# Verifies 20 task runs (10 submitted, 10 mapped) are recorded and read back Completed.
def test_twenty_tasks_submit_and_map_all_completed():
    @task
    def double(x):
        return 2 * x

    @task
    def square(x):
        return x * x

    @flow(name=unique("twenty-tasks"))
    def twenty():
        submitted = [double.submit(i) for i in range(10)]
        mapped = square.map(range(10))
        return sum(f.result() for f in submitted) + sum(mapped.result())

    state = twenty(return_state=True)
    assert state.is_completed()
    assert state.result() == 90 + 285
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = _wait_for_completed_task_runs(client, flow_run_id, 20)
        names = sorted(r.name for r in runs)
        assert sum(n.startswith("double-") for n in names) == 10
        assert sum(n.startswith("square-") for n in names) == 10
        assert len({r.id for r in runs}) == 20
        assert all(r.flow_run_id == flow_run_id for r in runs)
        assert all(r.run_count == 1 for r in runs)


# Verifies a task that fails twice with retries=3 ends Completed after three runs, with
# its retry states in the recorded state history.
def test_task_retries_then_completes():
    attempts = []

    @task(retries=3, retry_delay_seconds=0)
    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError(f"attempt {len(attempts)} fails")
        return "ok"

    @flow(name=unique("task-retries"))
    def retrying():
        return flaky()

    state = retrying(return_state=True)
    assert state.is_completed()
    assert len(attempts) == 3
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        (run,) = _wait_for_completed_task_runs(client, flow_run_id, 1)
        assert run.run_count == 3
        assert run.name.startswith("flaky-")
        assert run.empirical_policy.retries == 3

        def probe():
            states = client.read_task_run_states(run.id)
            return states if _state_names(states)[-1:] == ["Completed"] else None

        # With no retry delay the client goes straight to Retrying (no AwaitingRetry).
        names = _state_names(wait_for(probe, what="the task run's final state in its history"))
        assert names == ["Pending", "Running", "Retrying", "Retrying", "Completed"]


# Verifies a flow with retries fails once, goes AwaitingRetry (the server answers WAIT
# until retry_delay_seconds pass) and completes on its second run.
def test_flow_retries_with_delay():
    attempts = []

    @flow(name=unique("flow-retries"), retries=2, retry_delay_seconds=1)
    def retrying():
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")
        return len(attempts)

    state = retrying(return_state=True)
    assert state.is_completed()
    assert state.result() == 2
    assert attempts[1] - attempts[0] >= 0.9  # the delay was honoured
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        assert run.state_type == StateType.COMPLETED
        assert run.run_count == 2
        assert run.empirical_policy.retries == 2
        history = sorted(client.read_flow_run_states(flow_run_id), key=lambda s: s.timestamp)
        names = [s.name for s in history]
        # Prefect renames reruns to "Retrying" only for task runs; the flow run's second
        # RUNNING state keeps its name.
        assert names == ["Pending", "Running", "AwaitingRetry", "Running", "Completed"]
        awaiting = next(s for s in history if s.name == "AwaitingRetry")
        assert awaiting.type == StateType.SCHEDULED
        assert awaiting.state_details.scheduled_time is not None


# Verifies a flow that raises ends Failed with the exception in its state message.
def test_failing_flow_ends_failed_with_message():
    reason = unique("boom")

    @flow(name=unique("failing"))
    def failing():
        raise ValueError(reason)

    state = failing(return_state=True)
    assert state.is_failed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        assert run.state_type == StateType.FAILED
        assert run.state_name == "Failed"
        assert run.state.message == f"Flow run encountered an exception: ValueError: {reason}"
        assert run.run_count == 1
        assert run.end_time is not None


# Verifies three nested subflows link through parent_task_run_id: each child's parent
# task run belongs to the flow run one level up.
def test_nested_subflows_three_deep():
    ids = {}

    @flow(name=unique("inner"))
    def inner():
        ids["inner"] = get_run_context().flow_run.id
        return "inner-done"

    @flow(name=unique("middle"))
    def middle():
        ids["middle"] = get_run_context().flow_run.id
        return inner()

    @flow(name=unique("outer"))
    def outer():
        ids["outer"] = get_run_context().flow_run.id
        return middle()

    state = outer(return_state=True)
    assert state.is_completed()
    assert state.result() == "inner-done"
    with get_client(sync_client=True) as client:
        outer_run = client.read_flow_run(ids["outer"])
        middle_run = client.read_flow_run(ids["middle"])
        inner_run = client.read_flow_run(ids["inner"])
        assert outer_run.parent_task_run_id is None
        for child, parent in ((middle_run, outer_run), (inner_run, middle_run)):
            assert child.state_type == StateType.COMPLETED
            assert child.parent_task_run_id is not None
            tracking = client.read_task_run(child.parent_task_run_id)
            assert tracking.flow_run_id == parent.id
            assert tracking.state_type == StateType.COMPLETED
            assert tracking.state.state_details.child_flow_run_id == child.id
            assert child.state.state_details.task_run_id == child.parent_task_run_id
        # The subflow is found by its parent task run, as the engine itself looks it up.
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_task_run_id={"any_": [inner_run.parent_task_run_id]})
        )
        assert [r.id for r in found] == [inner_run.id]


# Verifies an async flow runs its async tasks concurrently (all five are running at the
# same time) and all five task runs are recorded Completed.
def test_async_flow_with_concurrent_tasks():
    width = 5

    @task
    async def meet(i, started, all_started):
        started.append(i)
        if len(started) == width:
            all_started.set()
        await asyncio.wait_for(all_started.wait(), timeout=20)
        return i

    @flow(name=unique("async-gather"))
    async def gathering():
        started = []
        all_started = asyncio.Event()
        return await asyncio.gather(*(meet(i, started, all_started) for i in range(width)))

    state = asyncio.run(gathering(return_state=True))
    assert state.is_completed()
    assert sorted(state.result()) == list(range(width))
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = _wait_for_completed_task_runs(client, flow_run_id, width)
        assert all(r.name.startswith("meet-") for r in runs)


# Verifies a persisted flow result is readable later from the flow run the server returns.
def test_persisted_result_read_back_from_server_state():
    token = unique("result")

    @flow(name=unique("persisted"), persist_result=True)
    def persisted():
        return {"answer": 42, "token": token}

    state = persisted(return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        assert run.state.data is not None  # the result record's metadata round-trips
        assert run.state.result() == {"answer": 42, "token": token}


# Verifies a flow paused with a timeout waits in Paused and continues when another
# thread resumes it.
def test_pause_and_resume_from_another_thread():
    seen = {}

    @flow(name=unique("pausing"))
    def pausing():
        seen["flow_run_id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=60, poll_interval=1)
        return "resumed"

    def resumer():
        with get_client(sync_client=True) as client:
            def started():
                if seen.get("finished"):
                    raise AssertionError("the flow finished without pausing")
                return seen.get("flow_run_id")

            flow_run_id = wait_for(started, timeout=30, what="the flow to start")

            def paused():
                if seen.get("finished"):
                    raise AssertionError("the flow finished without pausing")
                run = client.read_flow_run(flow_run_id)
                return run if run.state_type == StateType.PAUSED else None

            run = wait_for(paused, timeout=30, what="the flow run to pause")
            seen["paused_state"] = run.state
            resume_flow_run(flow_run_id)
            seen["resumed"] = True

    helper = threading.Thread(target=resumer, daemon=True)
    helper.start()
    try:
        state = pausing(return_state=True)
    finally:
        seen["finished"] = True
        helper.join(timeout=30)
    assert seen.get("resumed") is True
    assert state.is_completed()
    assert state.result() == "resumed"
    paused = seen["paused_state"]
    assert paused.name == "Paused"
    assert paused.state_details.pause_timeout is not None
    assert paused.state_details.pause_reschedule is False
    with get_client(sync_client=True) as client:
        names = _state_names(client.read_flow_run_states(seen["flow_run_id"]))
        assert names[:3] == ["Pending", "Running", "Paused"]
        assert names[-2:] == ["Running", "Completed"]


FLOW_SCRIPT = """
    import sys
    from prefect import flow, task

    @task
    def add(a, b):
        return a + b

    @flow(name=sys.argv[1])
    def concurrent_flow(i: int):
        return add(i, 1)

    state = concurrent_flow(int(sys.argv[2]), return_state=True)
    sys.exit(0 if state.is_completed() else 1)
"""


# Verifies 20 flows started at once from 20 processes all end Completed and are counted
# by a flow filter.
def test_twenty_flows_from_twenty_processes():
    name = unique("many")
    script = write_script(FLOW_SCRIPT)
    procs = [
        subprocess.Popen(
            script_command(script, name, str(i)),
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(20)
    ]
    outputs = [p.communicate(timeout=150)[0] for p in procs]
    failures = [(i, p.returncode, out[-2000:]) for i, (p, out) in enumerate(zip(procs, outputs)) if p.returncode != 0]
    assert not failures, failures
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name={"any_": [name]}), limit=50)
        assert len(runs) == 20
        assert all(r.state_type == StateType.COMPLETED for r in runs)
        assert sorted(r.parameters["i"] for r in runs) == list(range(20))
        assert len({r.flow_id for r in runs}) == 1
