"""Reading what automations report: the `prefect.automation.*` events a server stores for
one automation, polled until they arrive (both servers evaluate triggers and run actions
asynchronously), and small builders for triggers."""

import uuid

import httpx
from prefect.events import emit_event
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.worker import EventsWorker

from scenarios import wait_for


def uid() -> str:
    return uuid.uuid4().hex[:12]


def emit(name: str, resource_id: str) -> None:
    """Sends one event through the SDK's events worker and waits until it is sent."""
    emit_event(event=name, resource={"prefect.resource.id": resource_id})
    EventsWorker.drain_all()


def automation_events(api_url: str, automation_id, name: str) -> list[dict]:
    body = {"filter": {"event": {"name": [name]}, "resource": {"id": [f"prefect.automation.{automation_id}"]}},
            "limit": 50}
    r = httpx.post(f"{api_url}/events/filter", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["events"]


def wait_automation_events(api_url: str, automation_id, name: str, count: int = 1, timeout: float = 30) -> list[dict]:
    return wait_for(lambda: (lambda evs: evs if len(evs) >= count else None)(
        automation_events(api_url, automation_id, name)), timeout=timeout, what=f"{count} {name}", interval=0.2)


def reactive(expect: str, resource_id: str, **kwargs) -> EventTrigger:
    return EventTrigger(expect={expect}, match={"prefect.resource.id": resource_id}, posture=Posture.Reactive,
                        **kwargs)


def related_roles(event: dict) -> dict[str, str]:
    return {r["prefect.resource.role"]: r["prefect.resource.id"] for r in event["related"]}
