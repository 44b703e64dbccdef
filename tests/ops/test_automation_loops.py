"""Trigger loops end on a real server (issue 14). Schemathesis's run creates hundreds of
automations whose triggers match every event, including the automations' own
`prefect.automation.triggered` and `prefect.automation.action.*` events; they fired on each
other's events without end (100,000 firings per 10 s) and starved the API. Praetor evaluates
an automation's event only while fewer than two firings in a row made it
(automations/automation_chains.h), so the firings one event causes are a fixed number.
Prefect's server keeps firing here (until its nested payloads outgrow its event size limit),
so this is not a compatibility test."""

import time
import uuid
from datetime import datetime, timezone

import httpx

TRIGGERED = "prefect.automation.triggered"
EXECUTED = "prefect.automation.action.executed"


def _count(api_url: str, name: str, automations: list[str]) -> int:
    """Stored events named `name` of the given automations (following next_page)."""
    r = httpx.post(f"{api_url}/events/filter",
                   json={"filter": {"event": {"name": [name]}, "resource": {"id": automations}}, "limit": 50},
                   timeout=10)
    assert r.status_code == 200, r.text
    page = r.json()
    n = len(page["events"])
    while page.get("next_page"):
        page = httpx.get(page["next_page"], timeout=10).json()
        n += len(page["events"])
    return n


# Verifies two automations that match a marker event and every automation event (each with a
# do-nothing action) fire exactly 14 times for one marker, and no more: 2 on the marker, then
# 12 on those 2 firings' 6 events (2 triggered, 4 action events), whose own events are two
# firings in a row from the marker and are not evaluated; the server says so in its log.
def test_automations_that_react_to_each_other_fire_a_fixed_number_of_times(praetor_factory):
    p = praetor_factory().start()
    marker = f"ops.loop.{uuid.uuid4().hex[:8]}"
    automations = []
    for name in ("loop-a", "loop-b"):
        created = httpx.post(f"{p.api_url}/automations/", json={
            "name": name,
            "trigger": {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
                        "expect": [marker, TRIGGERED, "prefect.automation.action.*"]},
            "actions": [{"type": "do-nothing"}]}, timeout=10)
        assert created.status_code == 201, created.text
        automations.append(f"prefect.automation.{created.json()['id']}")
    time.sleep(1.0)  # the engine loads the new automations

    sent = httpx.post(f"{p.api_url}/events", json=[{
        "id": str(uuid.uuid4()), "occurred": datetime.now(timezone.utc).isoformat(), "event": marker,
        "resource": {"prefect.resource.id": marker}, "related": [], "payload": {}}], timeout=10)
    assert sent.status_code == 204, sent.text

    deadline = time.monotonic() + 60
    while _count(p.api_url, EXECUTED, automations) < 14 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3.0)  # thirty more passes of the engine: a loop would go on firing
    assert _count(p.api_url, TRIGGERED, automations) == 14
    assert _count(p.api_url, EXECUTED, automations) == 14
    assert "automation firings in a row made it (a trigger loop ends there" in p.log_text()
    assert p.proc.poll() is None
    p.terminate()
