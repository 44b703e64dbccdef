"""Artifacts made by flows and tasks through the SDK (markdown, table, link, image,
progress + update), read back through the client and the CLI (`prefect artifact
ls/inspect/delete`), and the latest-per-key collection kept right on create, update and
delete."""

import uuid

import pytest

from prefect import flow, task
from prefect.artifacts import (create_image_artifact, create_link_artifact, create_markdown_artifact,
                               create_progress_artifact, create_table_artifact, update_progress_artifact)
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

from scenarios import http_client


def _key(prefix: str = "art") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def http(api_url):
    with http_client(api_url) as client:
        yield client


# Verifies every SDK artifact kind created inside a flow and its task is stored with its
# type, data, key and run ids, and a progress artifact's updates reach the server.
def test_flow_and_task_artifacts():
    keys = {kind: _key(kind) for kind in ("markdown", "table", "link", "image", "progress")}
    seen = {}

    @task
    def tabulate():
        create_table_artifact(key=keys["table"], table=[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}],
                              description="two rows")
        progress_id = create_progress_artifact(progress=0.0, key=keys["progress"])
        update_progress_artifact(progress_id, progress=50.0)
        update_progress_artifact(progress_id, progress=100.0)
        seen["progress"] = progress_id

    @flow
    def reporting():
        create_markdown_artifact(markdown="# Report\nall good", key=keys["markdown"])
        create_link_artifact(link="https://example.com/x", link_text="x", key=keys["link"])
        create_image_artifact(image_url="https://example.com/i.png", key=keys["image"])
        tabulate()

    state = reporting(return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        by_key = {a.key: a for a in found}
        assert set(by_key) == set(keys.values())
        assert {a.flow_run_id for a in found} == {flow_run_id}
        assert by_key[keys["markdown"]].type == "markdown"
        assert by_key[keys["markdown"]].data == "# Report\nall good"
        assert by_key[keys["table"]].type == "table" and by_key[keys["table"]].description == "two rows"
        assert by_key[keys["table"]].task_run_id is not None
        assert by_key[keys["markdown"]].task_run_id is None
        assert by_key[keys["link"]].type == "markdown" and "example.com/x" in by_key[keys["link"]].data
        assert by_key[keys["image"]].type == "image"
        progress = client.read_artifacts(artifact_filter=ArtifactFilter(id={"any_": [seen["progress"]]}))
        assert [(a.type, a.data) for a in progress] == [("progress", 100.0)]
        latest = client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[keys["progress"]])))
        assert [(a.key, a.latest_id, a.data) for a in latest] == [(keys["progress"], seen["progress"], 100.0)]


# Verifies the latest-per-key row follows creates, updates and deletes of its key's
# artifacts, and that /latest/count and the key's latest read agree.
def test_latest_per_key_is_kept_right(http):
    key = _key()
    first = http.post("/artifacts/", json={"key": key, "type": "markdown", "data": "v1"})
    assert first.status_code == 201, first.text
    second = http.post("/artifacts/", json={"key": key, "type": "markdown", "data": "v2"}).json()
    latest = http.get(f"/artifacts/{key}/latest").json()
    assert (latest["key"], latest["data"]) == (key, "v2")
    only_key = {"artifacts": {"key": {"any_": [key]}}}
    collection = http.post("/artifacts/latest/filter", json=only_key).json()
    assert [(c["latest_id"], c["data"]) for c in collection] == [(second["id"], "v2")]
    assert http.post("/artifacts/latest/count", json=only_key).json() == 1
    assert http.post("/artifacts/count", json=only_key).json() == 2

    assert http.patch(f"/artifacts/{second['id']}", json={"data": "v2-edited"}).status_code == 204
    assert http.get(f"/artifacts/{key}/latest").json()["data"] == "v2-edited"

    assert http.delete(f"/artifacts/{second['id']}").status_code == 204
    collection = http.post("/artifacts/latest/filter", json=only_key).json()
    assert [(c["latest_id"], c["data"]) for c in collection] == [(first.json()["id"], "v1")]
    assert http.delete(f"/artifacts/{first.json()['id']}").status_code == 204
    assert http.post("/artifacts/latest/count", json=only_key).json() == 0
    gone = http.get(f"/artifacts/{key}/latest")
    assert (gone.status_code, gone.json()) == (404, {"detail": "Artifact not found."})


# Verifies an artifact without a key has no latest row, bad keys are Prefect's 422, long
# metadata values are cut to 500 characters, and unknown ids are 404.
def test_keyless_validation_and_missing(http):
    keyless = http.post("/artifacts/", json={"type": "result", "data": {"x": [1, 2]},
                                            "metadata_": {"long": "m" * 600}})
    assert keyless.status_code == 201
    body = keyless.json()
    assert body["key"] is None and body["data"] == {"x": [1, 2]}
    assert body["metadata_"]["long"] == "m" * 500 + "..."
    assert http.get(f"/artifacts/{body['id']}").json() == body
    assert http.post("/artifacts/latest/filter", json={"artifacts": {"latest_id": {"any_": [body["id"]]}}}).json() == []
    bad = http.post("/artifacts/", json={"key": "Not Valid"})
    assert bad.status_code == 422
    assert bad.json()["exception_detail"][0]["msg"] == (
        "Value error, Artifact key must only contain lowercase letters, numbers, and dashes.")
    assert http.get(f"/artifacts/{uuid.uuid4()}").status_code == 404
    assert http.patch(f"/artifacts/{uuid.uuid4()}", json={"data": 1}).status_code == 404
    assert http.delete(f"/artifacts/{uuid.uuid4()}").status_code == 404


# Verifies /filter's sorts and key filters (exists_, like_) and the sort 422.
def test_filter_sorts(http):
    prefix = _key("sort")
    ids = [http.post("/artifacts/", json={"key": f"{prefix}-{n}", "data": n}).json()["id"] for n in ("b", "a", "c")]

    def keys_of(body):
        r = http.post("/artifacts/filter", json={"artifacts": {"key": {"like_": prefix}}, **body})
        assert r.status_code == 200, r.text
        return [a["key"] for a in r.json()]

    assert keys_of({"sort": "KEY_ASC"}) == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    assert keys_of({"sort": "KEY_DESC"}) == [f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]
    assert keys_of({"sort": "CREATED_DESC"}) == [f"{prefix}-c", f"{prefix}-a", f"{prefix}-b"]
    assert sorted(keys_of({})) == sorted(keys_of({"sort": "KEY_ASC"}))
    assert len(ids) == 3
    exists = http.post("/artifacts/count", json={"artifacts": {"key": {"like_": prefix, "exists_": False}}}).json()
    assert exists == 0
    bad = http.post("/artifacts/filter", json={"sort": "NOPE"})
    assert bad.status_code == 422


# Verifies `prefect artifact ls`, `inspect` and `delete` against artifacts the SDK made.
def test_cli_artifact_commands(prefect_cli):
    key = _key("cli")

    @flow
    def makes_two():
        create_markdown_artifact(markdown="first", key=key)
        create_markdown_artifact(markdown="second", key=key)

    makes_two()
    assert key in prefect_cli("artifact", "ls").stdout
    inspected = prefect_cli("artifact", "inspect", key).stdout
    assert "first" in inspected and "second" in inspected
    prefect_cli("artifact", "delete", key, "--no-prompt")
    with get_client(sync_client=True) as client:
        assert client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))) == []
