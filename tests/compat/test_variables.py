"""Variables through the SDK (`Variable.set/get/unset` in and out of flows), the CLI
(`prefect variable set/get/ls/inspect/unset`) and the raw routes (Prefect's name and size
rules, 409 on a taken name, filters, sorts, the lifecycle events)."""

import uuid

import pytest

from prefect import flow
from prefect.variables import Variable

from scenarios import http_client, wait_for


def _name(prefix: str = "var") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def http(api_url):
    with http_client(api_url) as client:
        yield client


# Verifies Variable.set/get/unset keep JSON values of every type, refuse a second set
# without overwrite, overwrite with it, and fall back to a default once unset.
def test_sdk_set_get_overwrite_unset():
    name = _name()
    values = [{"nested": [1, 2.5, None, "x"], "ok": True}, [1, "two"], 42, 2.5, True, "text"]
    Variable.set(name, values[0], tags=["team-a"])
    assert Variable.get(name) == values[0]
    with pytest.raises(ValueError, match="already exists"):
        Variable.set(name, "other")
    for value in values[1:]:
        Variable.set(name, value, overwrite=True)
        assert Variable.get(name) == value
    assert Variable.unset(name) is True
    assert Variable.unset(name) is False
    assert Variable.get(name, default="fallback") == "fallback"


# Verifies a flow reads and writes variables through the SDK while it runs.
def test_flow_uses_variables():
    source, target = _name("src"), _name("dst")
    Variable.set(source, {"threshold": 3})

    @flow
    def uses_variables():
        threshold = Variable.get(source)["threshold"]
        Variable.set(target, threshold * 2)
        return Variable.get(target)

    assert uses_variables() == 6


# Verifies the CLI round trip: set, get, inspect, ls, set --overwrite, unset.
def test_cli_variable_commands(prefect_cli):
    name = _name("cli")
    prefect_cli("variable", "set", name, "hello", "--tag", "cli-tag")
    assert prefect_cli("variable", "get", name).stdout.strip() == "\"hello\""  # printed as JSON
    inspected = prefect_cli("variable", "inspect", name).stdout
    assert name in inspected and "cli-tag" in inspected
    assert name in prefect_cli("variable", "ls").stdout
    refused = prefect_cli("variable", "set", name, "again", check=False)
    assert refused.returncode != 0 and "already exists" in refused.stdout
    prefect_cli("variable", "set", name, "again", "--overwrite")
    assert prefect_cli("variable", "get", name).stdout.strip() == "\"again\""
    prefect_cli("variable", "unset", name, "--no-prompt")
    missing = prefect_cli("variable", "get", name, check=False)
    assert missing.returncode != 0 and "not found" in missing.stdout.lower()


# Verifies create answers 201 with the object, then 409 with Prefect's message for a taken
# name; reads by id and name; 404 bodies.
def test_create_read_conflict(http):
    name = _name()
    created = http.post("/variables/", json={"name": name, "value": None})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "created", "updated", "name", "value", "tags"}
    assert body["value"] is None and body["tags"] == []
    again = http.post("/variables/", json={"name": name, "value": 1})
    assert again.status_code == 409
    assert again.json() == {"detail": f"A variable with the name '{name}' already exists."}
    assert http.get(f"/variables/{body['id']}").json() == body
    assert http.get(f"/variables/name/{name}").json() == body
    missing = http.get(f"/variables/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Variable not found."})
    assert http.get("/variables/name/no_such_variable").status_code == 404


# Verifies Prefect's validation: required fields, the name pattern and length, the 5000
# character value limit, all reported in one 422 with pydantic's entries.
def test_validation_errors(http):
    r = http.post("/variables/", json={"tags": "x"})
    assert r.status_code == 422
    entries = [(e["type"], e["loc"]) for e in r.json()["exception_detail"]]
    assert entries == [("missing", ["body", "name"]), ("missing", ["body", "value"]), ("list_type", ["body", "tags"])]
    r = http.post("/variables/", json={"name": "Bad Name", "value": "x" * 5001})
    assert r.status_code == 422
    errors = r.json()["exception_detail"]
    assert [(e["type"], e["loc"]) for e in errors] == [("value_error", ["body", "name"]),
                                                      ("value_error", ["body", "value"])]
    assert errors[0]["msg"] == ("Value error, Variable name must only contain lowercase letters, numbers, "
                                "and dashes or underscores.")
    assert errors[1]["msg"] == "Value error, Variable value must be less than 5000 characters"
    r = http.post("/variables/", json={"name": "a" * 256, "value": 1})
    assert [e["type"] for e in r.json()["exception_detail"]] == ["too_long"]


# Verifies PATCH by id and by name change only what is sent (and `updated`), and DELETE by
# id and by name answer 204 then 404.
def test_update_and_delete(http):
    name = _name()
    created = http.post("/variables/", json={"name": name, "value": {"a": 1}, "tags": ["t"]}).json()
    assert http.patch(f"/variables/{created['id']}", json={"value": [1, 2]}).status_code == 204
    after = http.get(f"/variables/{created['id']}").json()
    assert after["value"] == [1, 2] and after["tags"] == ["t"] and after["updated"] >= created["updated"]
    assert http.patch(f"/variables/name/{name}", json={"tags": ["u"], "value": None}).status_code == 204
    after = http.get(f"/variables/name/{name}").json()
    assert after["value"] is None and after["tags"] == ["u"]
    assert http.patch("/variables/name/no_such_variable", json={}).status_code == 404
    assert http.delete(f"/variables/name/{name}").status_code == 204
    assert http.delete(f"/variables/name/{name}").status_code == 404
    other = http.post("/variables/", json={"name": _name(), "value": 1}).json()
    assert http.delete(f"/variables/{other['id']}").status_code == 204
    assert http.delete(f"/variables/{other['id']}").json() == {"detail": "Variable not found."}


# Verifies /filter and /count: name any_/like_, tags all_/is_null_, ids, sorts, the sort 422.
def test_filter_count_sort(http):
    prefix = f"flt_{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}_b", f"{prefix}_a", f"{prefix}_c"]
    made = {}
    for n, tags in zip(names, (["x", "y"], ["x"], [])):
        made[n] = http.post("/variables/", json={"name": n, "value": n, "tags": tags}).json()

    def names_of(body):
        r = http.post("/variables/filter", json=body)
        assert r.status_code == 200, r.text
        return [v["name"] for v in r.json()]

    like = {"variables": {"name": {"like_": prefix}}}
    assert names_of(like) == sorted(names)  # NAME_ASC by default
    assert names_of({**like, "sort": "NAME_DESC"}) == sorted(names, reverse=True)
    assert names_of({**like, "sort": "CREATED_DESC"}) == list(reversed(names))
    assert names_of({**like, "limit": 1, "offset": 1}) == [sorted(names)[1]]
    assert names_of({"variables": {"name": {"like_": prefix}, "tags": {"all_": ["x", "y"]}}}) == [names[0]]
    assert names_of({"variables": {"name": {"like_": prefix}, "tags": {"is_null_": True}}}) == [names[2]]
    assert names_of({"variables": {"id": {"any_": [made[names[1]]["id"]]}}}) == [names[1]]
    assert names_of({"variables": {"name": {"any_": [names[2], "nope"]}}}) == [names[2]]
    assert http.post("/variables/count", json=like).json() == 3
    assert http.post("/variables/count", json={"variables": {"name": {"like_": prefix},
                                                            "tags": {"all_": ["x"]}}}).json() == 2
    bad = http.post("/variables/filter", json={"sort": "X"})
    assert bad.status_code == 422
    assert bad.json()["exception_detail"][0]["msg"] == (
        "Input should be 'CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC' or 'NAME_ASC'")


# Verifies creating, updating and deleting a variable emits Prefect's lifecycle events
# with its name and value.
def test_lifecycle_events(http):
    name = _name("evt")
    created = http.post("/variables/", json={"name": name, "value": {"k": 1}, "tags": ["e"]}).json()
    http.patch(f"/variables/{created['id']}", json={"value": 2})
    http.delete(f"/variables/{created['id']}")
    resource_id = f"prefect.variable.{created['id']}"

    def seen():
        r = http.post("/events/filter", json={"filter": {"resource": {"id": [resource_id]}}, "limit": 10})
        assert r.status_code == 200, r.text
        events = r.json()["events"]
        return events if len(events) == 3 else None

    events = sorted(wait_for(seen, what="three variable events"), key=lambda e: e["occurred"])
    assert [e["event"] for e in events] == ["prefect.variable.created", "prefect.variable.updated",
                                            "prefect.variable.deleted"]
    assert events[0]["resource"]["prefect.resource.name"] == name
    assert events[0]["payload"] == {"name": name, "value": {"k": 1}, "tags": ["e"]}
    assert events[1]["payload"]["value"] == 2
