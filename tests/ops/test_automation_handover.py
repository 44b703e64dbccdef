"""The trigger engine across replicas (issue 12): on PostgreSQL with two replicas the
automation triggers service runs on one of them at a time (its service lease), and a kill -9
of the holder in the middle of an event stream hands it to the other without losing or
repeating a firing.

The stream: for each of K resources, THRESHOLD events, sent round by round and alternately to
both replicas, so when the holder dies every resource's window holds events evaluated by the
dead replica (its committed buckets), events the survivor stored but the dead replica had not
evaluated yet, and events still to come. A reactive trigger with `for_each` on the resource
and a threshold of THRESHOLD must then fire exactly once per resource. The client delivers
at least once, as Prefect's events client does (it replays unconfirmed events after a
reconnect): events it sent to the dead replica that were not stored are sent again to the
survivor with the same ids.
"""

import time
import uuid
from datetime import datetime, timezone

import httpx

LEASE_LINE = "service triggers: lease acquired"
K = 20
THRESHOLD = 3
TICK = "ops.handover.tick"


def _wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _events(api_url: str, body_filter: dict) -> list[dict]:
    """Every event the filter finds (following next_page)."""
    r = httpx.post(f"{api_url}/events/filter", json={"filter": body_filter, "limit": 50}, timeout=10)
    assert r.status_code == 200, r.text
    page = r.json()
    out = list(page["events"])
    while page.get("next_page"):
        page = httpx.get(page["next_page"], timeout=10).json()
        out += page["events"]
    return out


def _post_event(api_url: str, event: dict) -> bool:
    try:
        return httpx.post(f"{api_url}/events", json=[event], timeout=5).status_code == 204
    except httpx.HTTPError:
        return False


# Verifies a kill -9 of the replica running the trigger engine, mid-stream, hands the engine
# to the other replica, and every firing expected from the whole stream happens exactly once
# (one automation.triggered and one action.executed per resource), none lost, none repeated.
def test_kill9_of_the_trigger_engine_holder_loses_and_repeats_no_firing(praetor_factory, postgres_db):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}
    replicas = [praetor_factory(env=env).spawn() for _ in range(2)]
    for r in replicas:
        r.wait_for("/ready", timeout=30)
    holder = _wait_until(lambda: next((r for r in replicas if LEASE_LINE in r.log_text()), None), 15,
                         "a triggers lease holder")
    survivor = next(r for r in replicas if r is not holder)
    assert LEASE_LINE not in survivor.log_text()

    uid = uuid.uuid4().hex[:10]
    created = httpx.post(f"{survivor.api_url}/automations/", json={
        "name": f"handover-{uid}",
        "trigger": {"type": "event", "expect": [TICK], "match": {"prefect.resource.id": f"ops.handover.{uid}.*"},
                    "for_each": ["prefect.resource.id"], "posture": "Reactive", "threshold": THRESHOLD,
                    "within": 600},
        "actions": [{"type": "do-nothing"}]}, timeout=10)
    assert created.status_code == 201, created.text
    automation = f"prefect.automation.{created.json()['id']}"
    time.sleep(1.0)  # the holder loads the new automation

    resources = [f"ops.handover.{uid}.{k}" for k in range(K)]
    stream = [{"id": str(uuid.uuid4()), "occurred": datetime.now(timezone.utc).isoformat(), "event": TICK,
               "resource": {"prefect.resource.id": rid}, "related": [], "payload": {"round": r}}
              for r in range(THRESHOLD) for rid in resources]
    sent_to_holder = []
    kill_at = len(stream) // 2 + K // 3  # mid-way through the second round
    for i, event in enumerate(stream):
        if i == kill_at:
            holder.kill9()
        target = holder if i % 2 == 0 and i < kill_at else survivor
        if target is holder:
            sent_to_holder.append(event)
        assert _post_event(target.api_url, event), f"event {i} was refused"
        time.sleep(0.02)

    _wait_until(lambda: LEASE_LINE in survivor.log_text(), 20, "the survivor to take the triggers lease")
    # At-least-once delivery: what the dead replica accepted but had not stored is sent again.
    stored = {e["id"] for e in _events(survivor.api_url, {"event": {"name": [TICK]},
                                                          "resource": {"id_prefix": [f"ops.handover.{uid}."]}})}
    resent = [e for e in sent_to_holder if e["id"] not in stored]
    for event in resent:
        assert _post_event(survivor.api_url, event)
    _wait_until(lambda: len(_events(survivor.api_url, {"event": {"name": [TICK]},
                                                       "resource": {"id_prefix": [f"ops.handover.{uid}."]}}))
                == len(stream), 20, "every event to be stored once")

    def of_automation(name: str) -> list[dict]:
        return _events(survivor.api_url, {"event": {"name": [name]}, "resource": {"id": [automation]}})

    _wait_until(lambda: len(of_automation("prefect.automation.action.executed")) >= K, 30,
                f"{K} executed actions")
    time.sleep(3.0)  # more passes: nothing fires again
    triggered = of_automation("prefect.automation.triggered")
    fired_for = sorted(e["payload"]["triggering_labels"]["prefect.resource.id"] for e in triggered)
    assert fired_for == sorted(resources), (len(resent), fired_for)
    executed = of_automation("prefect.automation.action.executed")
    triggering = sorted(r["prefect.resource.id"] for e in executed for r in e["related"]
                        if r["prefect.resource.role"] == "automation-triggered-event")
    assert triggering == sorted(f"prefect.event.{e['id']}" for e in triggered)
    # The survivor ran the engine after the kill and nothing is left in its outbox.
    assert postgres_db.psql("SELECT count(*) FROM automation_action_outbox") == "0"
