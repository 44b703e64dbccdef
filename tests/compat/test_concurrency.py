"""Global (v2) concurrency limits: CRUD, slot acquisition with leases through the SDK's
`concurrency` context manager, refusal when full (423 + Retry-After), release, renewal, and
tag limits that do not exist (a tagged task runs unlimited)."""

import os
import uuid

import httpx
import pytest

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
V2 = "v2/concurrency_limits"


def _name(prefix="gcl"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _active_slots(name):
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name).active_slots


def test_limit_crud_through_the_client(api_url):
    name = _name()
    with get_client(sync_client=True) as client:
        limit_id = client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=3))
        with pytest.raises(ObjectAlreadyExists):
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        read = client.read_global_concurrency_limit_by_name(name)
        assert read.id == limit_id and read.limit == 3 and read.active and read.active_slots == 0
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=5))
        assert client.read_global_concurrency_limit_by_name(name).limit == 5
        names = [l.name for l in client.read_global_concurrency_limits(limit=200)]
        assert name in names
        client.delete_global_concurrency_limit_by_name(name)
        with pytest.raises(ObjectNotFound):
            client.read_global_concurrency_limit_by_name(name)
    by_id = httpx.get(f"{api_url}/{V2}/{limit_id}")
    assert by_id.status_code == 404
    assert by_id.json() == {"detail": "Concurrency Limit not found"}


def test_create_response_and_validation(api_url):
    name = _name()
    r = httpx.post(f"{api_url}/{V2}/", json={"name": name, "limit": 2})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {
        "id", "created", "updated", "active", "name", "limit", "active_slots", "denied_slots",
        "slot_decay_per_second", "avg_slot_occupancy_seconds",
    }
    assert body["avg_slot_occupancy_seconds"] == 2.0 and body["denied_slots"] == 0
    read = httpx.get(f"{api_url}/{V2}/{name}").json()
    assert set(read) == {"id", "created", "updated", "active", "name", "limit", "active_slots", "slot_decay_per_second"}
    r = httpx.post(f"{api_url}/{V2}/", json={"name": "bad/name", "limit": -1})
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["exception_detail"]] == [
        ("string_pattern_mismatch", ["body", "name"]),
        ("greater_than_equal", ["body", "limit"]),
    ]


def test_context_manager_takes_and_releases_a_slot():
    name = _name()
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=2))
    with concurrency(name, occupy=1):
        assert _active_slots(name) == 1
        with concurrency(name, occupy=1):
            assert _active_slots(name) == 2
        assert _active_slots(name) == 1
    assert _active_slots(name) == 0


def test_full_limit_refuses_then_frees(api_url):
    name = _name()
    httpx.post(f"{api_url}/{V2}/", json={"name": name, "limit": 1}).raise_for_status()
    held = httpx.post(f"{api_url}/{V2}/increment-with-lease", json={"names": [name], "slots": 1, "lease_duration": 60})
    assert held.status_code == 200
    lease_id = held.json()["lease_id"]
    assert [l["name"] for l in held.json()["limits"]] == [name]

    second = httpx.post(f"{api_url}/{V2}/increment-with-lease", json={"names": [name], "slots": 1})
    assert second.status_code == 423
    assert float(second.headers["Retry-After"]) >= 0
    # The SDK keeps retrying on 423 until its timeout.
    with pytest.raises(TimeoutError):
        with concurrency(name, occupy=1, timeout_seconds=1):
            pass
    too_many = httpx.post(f"{api_url}/{V2}/increment-with-lease", json={"names": [name], "slots": 2})
    assert too_many.status_code == 422
    assert too_many.json() == {"detail": "Slots requested is greater than the limit"}

    assert httpx.post(f"{api_url}/{V2}/leases/{lease_id}/renew", json={"lease_duration": 120}).status_code == 204
    r = httpx.post(f"{api_url}/{V2}/decrement-with-lease", json={"lease_id": lease_id})
    assert r.status_code == 204
    assert _active_slots(name) == 0
    r = httpx.post(f"{api_url}/{V2}/leases/{lease_id}/renew", json={"lease_duration": 120})
    assert r.status_code == 410
    assert r.json() == {"detail": "Lease not found - it may have expired or been revoked"}
    # Releasing an unknown lease is not an error.
    assert httpx.post(f"{api_url}/{V2}/decrement-with-lease", json={"lease_id": str(uuid.uuid4())}).status_code == 204
    with concurrency(name, occupy=1, timeout_seconds=5):
        assert _active_slots(name) == 1


def test_missing_limits_are_skipped(api_url):
    # Names without a limit are skipped: an empty `limits` list means "no limit".
    r = httpx.post(
        f"{api_url}/{V2}/increment-with-lease",
        json={
            "names": [f"tag:{_name('t')}"],
            "slots": 1,
            "mode": "concurrency",
            "lease_duration": 300,
            "holder": {"type": "task_run", "id": str(uuid.uuid4())},
        },
    )
    assert r.status_code == 200
    assert r.json()["limits"] == []
    uuid.UUID(r.json()["lease_id"])
    r = httpx.post(f"{api_url}/{V2}/increment-with-lease", json={"names": [], "slots": 0, "lease_duration": 5})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["exception_detail"]] == [
        ["body", "slots"],
        ["body", "names"],
        ["body", "lease_duration"],
    ]


def test_increment_and_decrement_without_lease(api_url):
    name = _name()
    httpx.post(f"{api_url}/{V2}/", json={"name": name, "limit": 1}).raise_for_status()
    r = httpx.post(f"{api_url}/{V2}/increment", json={"names": [name], "slots": 1})
    assert r.status_code == 200
    assert [l["name"] for l in r.json()] == [name]
    assert httpx.post(f"{api_url}/{V2}/increment", json={"names": [name], "slots": 1}).status_code == 423
    r = httpx.post(f"{api_url}/{V2}/decrement", json={"names": [name], "slots": 1, "occupancy_seconds": 1.5})
    assert r.status_code == 200
    assert _active_slots(name) == 0
    r = httpx.post(f"{api_url}/{V2}/increment", json={"names": [name], "slots": 1, "mode": "rate_limit"})
    assert r.status_code == 422
    assert "do not have a decay configured" in r.json()["detail"]


def test_tagged_task_runs_without_a_limit(api_url):
    from prefect import flow, task

    @task(tags=["t1"])
    def tagged():
        return 41

    @flow
    def runs_tagged():
        return tagged() + 1

    assert runs_tagged() == 42
