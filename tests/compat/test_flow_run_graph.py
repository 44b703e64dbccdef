"""The flow-run graph the UI draws: GET /flow_runs/{id}/graph-v2 (task-run and subflow nodes,
their edges from task inputs, nested tasks, artifacts, states, `since`, the node and artifact
limits and their 400) and the v1 dependency list GET /flow_runs/{id}/graph, for real flows run
through the SDK."""

import uuid

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from scenarios import http_client


# Results are lists so the SDK can track them into the consumers' task inputs (it cannot
# track small ints or interned values).
@task
def produce(key: str):
    create_markdown_artifact("# produced", key=key)
    return ["p"]


@task
def extend(items):
    return items + ["e"]


@task
def combine(left, right):
    return left + right


@task
def leaf():
    return ["leaf"]


@task
def wrapper():
    return leaf()


@flow
def child_flow(items):
    return extend(items)


def _run_parent(key: str):
    @flow
    def graph_parent():
        create_progress_artifact(40.0)
        first = produce(key)
        second = extend(first)
        sub = child_flow(second)
        both = combine(first, sub)
        wrapper(wait_for=[both])
        return both

    state = graph_parent(return_state=True)
    assert state.is_completed()
    return str(state.state_details.flow_run_id)


def _task_runs(flow_run_id: str):
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {r.name.rsplit("-", 1)[0]: r for r in runs}


def _ids(edges):
    return {e["id"] for e in edges}


# Verifies the v2 graph of a flow with chained tasks, a subflow, a wait_for dependency and a
# task run nested in another: one node per task run (the subflow drawn as a flow-run node
# labelled "<flow> / <run>"), parents and children from the task inputs, the nested run
# encapsulated by its wrapper, artifacts on their task's node or on the graph, the run's states.
def test_graph_v2_of_a_flow_with_tasks_and_a_subflow(http):
    key = f"graph-{uuid.uuid4().hex[:8]}"
    flow_run_id = _run_parent(key)
    tasks = _task_runs(flow_run_id)
    assert set(tasks) == {"produce", "extend", "child-flow", "combine", "wrapper", "leaf"}
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        (subflow,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_task_run_id={"any_": [str(tasks["child-flow"].id)]}))

    res = http.get(f"/flow_runs/{flow_run_id}/graph-v2")
    assert res.status_code == 200, res.text
    graph = res.json()
    assert set(graph) == {"start_time", "end_time", "root_node_ids", "nodes", "artifacts", "states"}
    nodes = dict((node_id, node) for node_id, node in graph["nodes"])
    assert all(node["id"] == node_id for node_id, node in graph["nodes"])
    ids = {name.replace("-", "_"): str(t.id) for name, t in tasks.items()}
    ids["child_flow"] = str(subflow.id)
    assert set(nodes) == set(ids.values())
    for name, node_id in ids.items():
        node = nodes[node_id]
        assert node["label"] == (f"child-flow / {subflow.name}" if name == "child_flow" else tasks[name].name)
        assert set(node) == {"kind", "id", "label", "state_type", "start_time", "end_time", "parents", "children",
                             "encapsulating", "artifacts"}
        assert node["state_type"] == "COMPLETED"
        assert node["kind"] == ("flow-run" if name == "child_flow" else "task-run")
        assert node["start_time"] is not None and node["end_time"] is not None

    expected_parents = {"produce": set(), "extend": {ids["produce"]}, "child_flow": {ids["extend"]},
                        "combine": {ids["produce"], ids["child_flow"]}, "wrapper": {ids["combine"]},
                        "leaf": set()}
    for name, parents in expected_parents.items():
        assert _ids(nodes[ids[name]]["parents"]) == parents, name
    expected_children = {"produce": {ids["extend"], ids["combine"]}, "extend": {ids["child_flow"]},
                         "child_flow": {ids["combine"]}, "combine": {ids["wrapper"]}, "wrapper": set(), "leaf": set()}
    for name, children in expected_children.items():
        assert _ids(nodes[ids[name]]["children"]) == children, name
    assert nodes[ids["leaf"]]["encapsulating"] == [{"id": ids["wrapper"]}]
    assert all(not nodes[ids[n]]["encapsulating"] for n in ids if n != "leaf")
    assert set(graph["root_node_ids"]) == {ids["produce"], ids["leaf"]}
    starts = [node["start_time"] for _, node in graph["nodes"]]
    assert starts == sorted(starts)

    (drawn,) = nodes[ids["produce"]]["artifacts"]
    assert set(drawn) == {"id", "created", "key", "type", "is_latest", "data"}
    assert (drawn["key"], drawn["type"], drawn["is_latest"], drawn["data"]) == (key, "markdown", True, None)
    assert all(not nodes[ids[n]]["artifacts"] for n in ids if n != "produce")
    (progress,) = graph["artifacts"]
    assert (progress["key"], progress["type"], progress["is_latest"], progress["data"]) == (None, "progress", True, 40.0)

    assert [s["type"] for s in graph["states"]] == ["PENDING", "RUNNING", "COMPLETED"]
    assert all(set(s) == {"id", "timestamp", "type", "name"} for s in graph["states"])
    assert graph["states"][-1]["id"] == str(run.state.id)
    assert graph["start_time"] == run.start_time.isoformat().replace("+00:00", "Z")
    assert graph["end_time"] == run.end_time.isoformat().replace("+00:00", "Z")

    # `since` keeps the nodes still running or ended at or after it; the rest of the graph stays.
    later = http.get(f"/flow_runs/{flow_run_id}/graph-v2", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert (later["nodes"], later["root_node_ids"]) == ([], [])
    assert later["states"] == graph["states"] and later["artifacts"] == graph["artifacts"]
    cut = nodes[ids["combine"]]["end_time"]
    recent = http.get(f"/flow_runs/{flow_run_id}/graph-v2", params={"since": cut}).json()
    assert {node_id for node_id, _ in recent["nodes"]} == {
        node_id for node_id, node in nodes.items() if node["end_time"] >= cut}


# Verifies the v1 dependency list: every task run of the flow run with its upstream task runs
# and its state and times.
def test_graph_v1_lists_task_runs_with_upstream_dependencies(http):
    @flow
    def chained():
        first = leaf()
        second = extend(first)
        combine(first, second)

    state = chained(return_state=True)
    flow_run_id = str(state.state_details.flow_run_id)
    tasks = _task_runs(flow_run_id)
    res = http.get(f"/flow_runs/{flow_run_id}/graph")
    assert res.status_code == 200, res.text
    by_id = {d["id"]: d for d in res.json()}
    assert set(by_id) == {str(t.id) for t in tasks.values()}
    upstream = {name: {(u["input_type"], u["id"]) for u in by_id[str(t.id)]["upstream_dependencies"]}
                for name, t in tasks.items()}
    assert upstream == {"leaf": set(), "extend": {("task_run", str(tasks["leaf"].id))},
                        "combine": {("task_run", str(tasks["leaf"].id)), ("task_run", str(tasks["extend"].id))}}
    entry = by_id[str(tasks["combine"].id)]
    assert set(entry) == {"id", "name", "upstream_dependencies", "state", "expected_start_time", "start_time",
                          "end_time", "total_run_time", "estimated_run_time", "untrackable_result"}
    assert entry["name"] == tasks["combine"].name and entry["state"]["type"] == "COMPLETED"
    assert entry["state"]["id"] == str(tasks["combine"].state.id)
    assert entry["untrackable_result"] is False


# Verifies the errors: an unknown flow run is a 404 on both routes, a malformed `since` a 422.
def test_graph_errors(http):
    missing = str(uuid.uuid4())
    v1 = http.get(f"/flow_runs/{missing}/graph")
    assert v1.status_code == 404 and missing in v1.text
    v2 = http.get(f"/flow_runs/{missing}/graph-v2")
    assert v2.status_code == 404 and missing in v2.text
    bad = http.get(f"/flow_runs/{missing}/graph-v2", params={"since": "soon"})
    assert bad.status_code == 422
    assert bad.json()["exception_detail"][0]["loc"] == ["query", "since"]


# Verifies the node and artifact limits, set under Prefect's legacy and current names: a graph
# with more nodes than the limit is refused with a 400 naming it, and no more artifacts than
# the limit are drawn. (The runs are made over REST: the SDK's event client stays bound to the
# session's server.)
def test_graph_limits(dedicated_server):
    srv = dedicated_server({"PREFECT_API_MAX_FLOW_RUN_GRAPH_NODES": "3",
                            "PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_ARTIFACTS": "1"})
    with http_client(srv.api_url) as client:
        flow_id = client.post("/flows/", json={"name": f"sized-{uuid.uuid4().hex[:8]}"}).json()["id"]

        def run_with_tasks(n: int) -> str:
            run = client.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}})
            assert run.status_code == 201, run.text
            run_id = run.json()["id"]
            for i in range(n):
                made = client.post("/task_runs/", json={"flow_run_id": run_id, "task_key": "t", "dynamic_key": str(i),
                                                        "name": f"t-{i}", "state": {"type": "RUNNING"}})
                assert made.status_code == 201, made.text
            for progress in (10.0, 20.0):
                made = client.post("/artifacts/", json={"flow_run_id": run_id, "type": "progress", "data": progress})
                assert made.status_code == 201, made.text
            return run_id

        small, large = run_with_tasks(3), run_with_tasks(4)
        ok = client.get(f"/flow_runs/{small}/graph-v2")
        assert ok.status_code == 200, ok.text
        assert len(ok.json()["nodes"]) == 3
        assert [a["data"] for a in ok.json()["artifacts"]] == [10.0]
        refused = client.get(f"/flow_runs/{large}/graph-v2")
        assert refused.status_code == 400
        assert refused.json() == {"detail": f"The graph of flow run {large} has more than 3 nodes."}
