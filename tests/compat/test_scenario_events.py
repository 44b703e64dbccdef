"""Events out: a `/api/events/out` subscriber sees a flow run's events as they happen.

Flow-run state events are emitted by the server's orchestration; task-run state events
are emitted by the client and relayed through `/api/events/in`. A subscriber started
before the flow runs must see both kinds for that run.
"""

import asyncio

from prefect import flow, task
from prefect.events.clients import get_events_subscriber
from prefect.events.filters import EventFilter, EventNameFilter

from scenarios import unique

EVENT_TIMEOUT = 30.0


def _related_ids(event, role):
    return {r.id for r in event.related if r.role == role}


# Verifies a subscriber started before a flow sees its prefect.flow-run.* state events
# (with the server's state payload) and each task's prefect.task-run.* events.
def test_subscriber_sees_flow_and_task_run_events():
    flow_name = unique("evented")

    @task
    def step(x):
        return x + 1

    @flow(name=flow_name)
    def evented():
        return step(1) + step(2)

    async def scenario():
        flow_events, task_events = [], []
        name_filter = EventNameFilter(prefix=["prefect.flow-run.", "prefect.task-run."])
        async with get_events_subscriber(filter=EventFilter(event=name_filter)) as subscriber:
            state = await asyncio.to_thread(lambda: evented(return_state=True))
            assert state.is_completed()
            flow_resource = f"prefect.flow-run.{state.state_details.flow_run_id}"

            def complete():
                completed_tasks = {e.resource.id for e in task_events if e.event == "prefect.task-run.Completed"}
                return (
                    any(e.event == "prefect.flow-run.Completed" for e in flow_events)
                    and len(completed_tasks) == 2
                )

            async def collect():
                async for event in subscriber:
                    if event.resource.id == flow_resource:
                        flow_events.append(event)
                    elif event.event.startswith("prefect.task-run.") and flow_resource in _related_ids(
                        event, "flow-run"
                    ):
                        task_events.append(event)
                    if complete():
                        return

            try:
                await asyncio.wait_for(collect(), EVENT_TIMEOUT)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"events not seen in {EVENT_TIMEOUT}s; flow: {[e.event for e in flow_events]}, "
                    f"task: {[e.event for e in task_events]}"
                )
        return state, flow_events, task_events

    state, flow_events, task_events = asyncio.run(scenario())

    # The client's heartbeat events (prefect.flow-run.heartbeat) may interleave; the
    # state events are the server's.
    flow_events = sorted((e for e in flow_events if e.event != "prefect.flow-run.heartbeat"), key=lambda e: e.occurred)
    assert [e.event for e in flow_events] == [
        "prefect.flow-run.Pending",
        "prefect.flow-run.Running",
        "prefect.flow-run.Completed",
    ]
    completed = flow_events[-1]
    assert completed.resource["prefect.resource.name"]
    assert completed.resource["prefect.state-type"] == "COMPLETED"
    assert completed.payload["validated_state"]["type"] == "COMPLETED"
    assert completed.payload["initial_state"]["type"] == "RUNNING"
    assert any(r.role == "flow" and r["prefect.resource.name"] == flow_name for r in completed.related)
    assert len({e.id for e in flow_events}) == 3

    by_task = {}
    for event in sorted(task_events, key=lambda e: e.occurred):
        by_task.setdefault(event.resource.id, []).append(event.event)
    assert len(by_task) == 2
    for names in by_task.values():
        assert names == ["prefect.task-run.Pending", "prefect.task-run.Running", "prefect.task-run.Completed"]
