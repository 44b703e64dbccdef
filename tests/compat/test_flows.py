"""Flows through the SDK client: get-or-create by name, read by id and name, update, delete."""

import uuid

import httpx
import pytest

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError


def test_create_flow_is_get_or_create(api_url):
    name = f"flow-{uuid.uuid4().hex[:8]}"
    first = httpx.post(f"{api_url}/flows/", json={"name": name, "tags": ["a"]})
    assert first.status_code == 201
    again = httpx.post(f"{api_url}/flows/", json={"name": name})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["tags"] == ["a"]


def test_client_flow_roundtrip():
    name = f"flow-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name(name)
        by_id = client.read_flow(flow_id)
        assert by_id.name == name
        by_name = client.read_flow_by_name(name)
        assert by_name.id == flow_id
        client.delete_flow(flow_id)
        # read_flow surfaces the 404 as an HTTP status error (it does not map it).
        with pytest.raises(PrefectHTTPStatusError) as info:
            client.read_flow(flow_id)
        assert info.value.response.status_code == 404
        with pytest.raises(ObjectNotFound):
            client.delete_flow(flow_id)


def test_flow_validation_errors(api_url):
    r = httpx.post(f"{api_url}/flows/", json={"tags": ["x"]})
    assert r.status_code == 422
    body = r.json()
    assert body["exception_message"] == "Invalid request received."
    assert any(e["loc"][-1] == "name" and e["type"] == "missing" for e in body["exception_detail"])
    r = httpx.post(f"{api_url}/flows/", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = httpx.patch(f"{api_url}/flows/{uuid.uuid4()}", json={"tags": []})
    assert r.status_code == 404
    assert r.json() == {"detail": "Flow not found"}


def test_unknown_fields_are_ignored(api_url):
    # Prefect answers 422 extra_forbidden here; Praetor ignores unknown fields so newer
    # clients keep working. Only checked against Praetor.
    import os

    if os.environ.get("PRAETOR_COMPAT_TARGET", "praetor") != "praetor":
        pytest.skip("target-specific: Praetor leniency")
    r = httpx.post(f"{api_url}/flows/", json={"name": f"f-{uuid.uuid4().hex[:6]}", "field_from_the_future": 1})
    assert r.status_code == 201
