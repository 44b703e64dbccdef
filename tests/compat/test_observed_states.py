"""/observed-states: the state types and exact names seen in the run histories, with the
first and last time each was seen; prefix search on type or name, ordering and limits."""

import uuid
from datetime import datetime

import httpx

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from prefect.states import Completed, Pending, Running


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _observed(**params):
    with get_client(sync_client=True) as client:
        r = client._client.get("/observed-states", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_observed_states_names_types_and_bounds():
    name = f"Shipped{uuid.uuid4().hex[:8]}"

    @flow(name=f"observed-{uuid.uuid4().hex[:8]}")
    def placeholder():
        return None

    stamps = []
    with get_client(sync_client=True) as client:
        for _ in range(2):
            run = client.create_flow_run(placeholder, state=Pending())
            client.set_flow_run_state(run.id, Running(), force=True)
            result = client.set_flow_run_state(run.id, Completed(name=name), force=True)
            stamps.append(result.state.timestamp)

    found = _observed(query=name.lower())
    assert [(s["state_type"], s["state_name"]) for s in found] == [("COMPLETED", name)]
    assert set(found[0]) == {"state_type", "state_name", "first_seen", "last_seen"}
    assert _parse(found[0]["first_seen"]) == stamps[0] and _parse(found[0]["last_seen"]) == stamps[1]

    # A type prefix matches too; the most recently seen pair comes first by default.
    completed = _observed(query="complet")
    assert all(s["state_type"] == "COMPLETED" or s["state_name"].lower().startswith("complet") for s in completed)
    assert (completed[0]["state_type"], completed[0]["state_name"]) == ("COMPLETED", name)
    by_name = _observed(order_by="NAME_ASC")
    keys = [(s["state_type"], s["state_name"]) for s in by_name]
    assert keys == sorted(keys) and ("RUNNING", "Running") in keys and ("COMPLETED", name) in keys
    assert len(_observed(limit=1)) == 1


def test_observed_states_refuses_bad_parameters():
    base = f"{PREFECT_API_URL.value()}/observed-states"
    r = httpx.get(base, params={"limit": 0, "order_by": "BAD"}, timeout=60)
    assert r.status_code == 422
    assert sorted((e["loc"], e["type"]) for e in r.json()["exception_detail"]) == [
        (["query", "limit"], "greater_than_equal"), (["query", "order_by"], "enum")]
    long = httpx.get(base, params={"query": "x" * 101}, timeout=60)
    assert long.status_code == 422
    assert long.json()["exception_detail"][0]["type"] == "string_too_long"
