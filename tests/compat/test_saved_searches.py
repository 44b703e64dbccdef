"""Saved searches (the UI's named filter sets): PUT upserts by name, read, filter, delete."""

import uuid

import pytest

from scenarios import http_client


@pytest.fixture
def http(api_url):
    with http_client(api_url) as client:
        yield client


FILTER = {"object": "flow_run", "property": "state", "type": "string", "operation": "equals", "value": ["FAILED"]}


# Verifies PUT creates (201), then replaces the filters of the same name (200, same id),
# GET and /filter read it, DELETE answers 204 then 404.
def test_upsert_read_filter_delete(http):
    name = f"search {uuid.uuid4().hex[:8]}"
    first = http.put("/saved_searches/", json={"name": name, "filters": [FILTER]})
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["filters"] == [FILTER]
    second = http.put("/saved_searches/", json={"name": name})
    assert second.status_code == 200
    replaced = second.json()
    assert (replaced["id"], replaced["created"], replaced["filters"]) == (created["id"], created["created"], [])
    assert http.get(f"/saved_searches/{created['id']}").json() == replaced
    listed = http.post("/saved_searches/filter", json={"limit": 200}).json()
    assert replaced in listed
    names = [s["name"] for s in listed]
    assert names == sorted(names)
    assert http.delete(f"/saved_searches/{created['id']}").status_code == 204
    gone = http.get(f"/saved_searches/{created['id']}")
    assert (gone.status_code, gone.json()) == (404, {"detail": "Saved search not found"})
    assert http.delete(f"/saved_searches/{created['id']}").status_code == 404


# Verifies each filter item is validated as Prefect's SavedSearchFilter.
def test_filter_items_are_validated(http):
    r = http.put("/saved_searches/", json={"name": "bad", "filters": [{"object": 1}]})
    assert r.status_code == 422
    assert [(e["type"], e["loc"]) for e in r.json()["exception_detail"]] == [
        ("string_type", ["body", "filters", 0, "object"]),
        ("missing", ["body", "filters", 0, "property"]),
        ("missing", ["body", "filters", 0, "type"]),
        ("missing", ["body", "filters", 0, "operation"]),
        ("missing", ["body", "filters", 0, "value"]),
    ]
