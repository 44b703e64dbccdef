"""Flow list routes: /flows/filter (the SDK's read_flows, `prefect flow ls`), /flows/count,
/flows/paginate, /flows/bulk_delete, with Prefect's limit rules and validation errors."""

import json
import uuid

import httpx

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterId, FlowFilterName, FlowFilterTags
from prefect.client.schemas.sorting import FlowSort


def _make_flows(api_url, prefix, names_and_tags):
    ids = {}
    for name, tags in names_and_tags:
        r = httpx.post(f"{api_url}/flows/", json={"name": f"{prefix}{name}", "tags": tags})
        assert r.status_code == 201
        ids[name] = r.json()["id"]
    return ids


def test_read_flows_by_name_like_and_tags(api_url):
    prefix = f"ff-{uuid.uuid4().hex[:8]}-"
    ids = _make_flows(api_url, prefix, [("Marvin-a", ["red", "blue"]), ("sad-marvin", ["red"]), ("other", [])])
    with get_client(sync_client=True) as client:
        found = client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(like_=prefix.upper() + "MARV")))
        assert {str(f.id) for f in found} == {ids["Marvin-a"]}
        found = client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(like_=prefix)), sort=FlowSort.NAME_DESC)
        assert [f.name for f in found] == [prefix + "sad-marvin", prefix + "other", prefix + "Marvin-a"]
        found = client.read_flows(
            flow_filter=FlowFilter(name=FlowFilterName(like_=prefix), tags=FlowFilterTags(all_=["red", "blue"]))
        )
        assert [str(f.id) for f in found] == [ids["Marvin-a"]]
        found = client.read_flows(
            flow_filter=FlowFilter(name=FlowFilterName(like_=prefix), tags=FlowFilterTags(is_null_=True))
        )
        assert [str(f.id) for f in found] == [ids["other"]]
        found = client.read_flows(
            flow_filter=FlowFilter(id=FlowFilterId(any_=[uuid.UUID(ids["other"]), uuid.UUID(ids["sad-marvin"])])),
            limit=1,
            offset=1,
        )
        assert [str(f.id) for f in found] == [ids["sad-marvin"]]  # NAME_ASC: "other" < "sad-marvin"


def test_count_and_paginate(api_url):
    prefix = f"fp-{uuid.uuid4().hex[:8]}-"
    _make_flows(api_url, prefix, [(str(i), []) for i in range(5)])
    body = {"flows": {"name": {"like_": prefix}}}
    r = httpx.post(f"{api_url}/flows/count", json=body)
    assert r.status_code == 200
    assert r.json() == 5
    r = httpx.post(f"{api_url}/flows/paginate", json={**body, "limit": 2, "page": 3})
    assert r.status_code == 200
    page = r.json()
    assert {k: page[k] for k in ("count", "limit", "pages", "page")} == {"count": 5, "limit": 2, "pages": 3, "page": 3}
    assert [f["name"] for f in page["results"]] == [prefix + "4"]
    r = httpx.post(f"{api_url}/flows/paginate", json=body)
    assert {k: r.json()[k] for k in ("count", "limit", "pages", "page")} == {
        "count": 5,
        "limit": 200,
        "pages": 1,
        "page": 1,
    }


def test_limit_rules(api_url):
    r = httpx.post(f"{api_url}/flows/filter", json={"limit": 201})
    assert r.status_code == 422
    assert r.json() == {"detail": "Invalid limit: must be less than or equal to 200."}
    r = httpx.post(f"{api_url}/flows/filter", json={"limit": -1})
    assert r.status_code == 422
    assert r.json() == {"detail": "Invalid limit: must be greater than or equal to 0."}
    r = httpx.post(f"{api_url}/flows/paginate", json={"page": 0})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["exception_detail"]] == [["body", "page"]]
    r = httpx.post(f"{api_url}/flows/filter", json={"limit": None})
    assert r.status_code == 200


def test_filter_validation_errors(api_url):
    r = httpx.post(
        f"{api_url}/flows/filter",
        json={"flows": {"operator": "xor", "id": {"any_": ["not-a-uuid"]}, "tags": {"all_": "red"}}},
    )
    assert r.status_code == 422
    detail = r.json()["exception_detail"]
    assert [(e["type"], e["loc"]) for e in detail] == [
        ("enum", ["body", "flows", "operator"]),
        ("uuid_parsing", ["body", "flows", "id", "any_", 0]),
        ("list_type", ["body", "flows", "tags", "all_"]),
    ]
    r = httpx.post(f"{api_url}/flows/filter", json={"sort": "SIDEWAYS"})
    assert r.status_code == 422
    assert r.json()["exception_detail"][0]["loc"] == ["body", "sort"]
    assert r.json()["exception_detail"][0]["type"] == "enum"


def test_filters_through_related_objects(api_url):
    prefix = f"fr-{uuid.uuid4().hex[:8]}-"
    _make_flows(api_url, prefix, [("lonely", [])])
    base = {"flows": {"name": {"like_": prefix}}}
    # A present flow_runs filter means "has a matching run"; a deployments filter matches
    # nothing while no deployment exists.
    assert httpx.post(f"{api_url}/flows/count", json={**base, "flow_runs": {}}).json() == 0
    assert httpx.post(f"{api_url}/flows/count", json={**base, "deployments": {}}).json() == 0
    assert httpx.post(f"{api_url}/flows/count", json={**base, "flow_runs": None}).json() == 1
    assert (
        httpx.post(f"{api_url}/flows/count", json={"flows": {**base["flows"], "deployment": {"is_null_": True}}}).json()
        == 1
    )


def test_bulk_delete(api_url):
    prefix = f"fb-{uuid.uuid4().hex[:8]}-"
    ids = _make_flows(api_url, prefix, [("a", []), ("b", []), ("c", [])])
    r = httpx.post(f"{api_url}/flows/bulk_delete", json={"flows": {"name": {"like_": prefix}}, "limit": 2})
    assert r.status_code == 200
    deleted = r.json()["deleted"]
    assert sorted(deleted) == sorted([ids["a"], ids["b"]])
    assert httpx.post(f"{api_url}/flows/count", json={"flows": {"name": {"like_": prefix}}}).json() == 1
    r = httpx.post(f"{api_url}/flows/bulk_delete", json={"limit": 51})
    assert r.status_code == 422


def test_prefect_flow_ls(api_url, prefect_cli):
    prefix = f"fl-{uuid.uuid4().hex[:8]}-"
    _make_flows(api_url, prefix, [("one", []), ("two", [])])
    out = prefect_cli("flow", "ls", "--limit", "50").stdout
    assert prefix + "one" in out and prefix + "two" in out
    listed = json.loads(prefect_cli("flow", "ls", "--limit", "200", "-o", "json").stdout)
    assert {prefix + "one", prefix + "two"} <= {f["name"] for f in listed}
