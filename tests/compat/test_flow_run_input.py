"""Flow-run input: a paused run waiting for a RunInput (resumed with input, refused input,
the stored answer), send_input/receive_input between runs, and the raw /input routes."""

import threading
import time
import uuid

import pytest

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.input import RunInput, receive_input, send_input

from scenarios import http_client


class Approval(RunInput):
    approver: str
    level: int = 1


@pytest.fixture
def http(api_url):
    with http_client(api_url) as client:
        yield client


def _resume_when_paused(ids: dict, attempts: list, timeout: float = 40) -> None:
    """Waits until the run in ids["run"] is paused, then tries each run_input of `attempts`
    in order, recording "accepted" or the SDK's error for each in ids["results"]."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run_id = ids.get("run")
            if run_id:
                run = client.read_flow_run(run_id)
                if run.state and run.state.is_paused():
                    ids["keyset"] = run.state.state_details.run_input_keyset
                    ids["results"] = []
                    for attempt in attempts:
                        try:
                            resume_flow_run(run_id, run_input=attempt)
                            ids["results"].append("accepted")
                        except RuntimeError as refused:  # the SDK raises on a refused resume
                            ids["results"].append(str(refused))
                    return
            time.sleep(0.2)


# Verifies pause_flow_run(wait_for_input=...) returns the resumer's input, after the server
# refused an input that does not match the RunInput's schema.
def test_pause_waits_for_input_and_checks_it(api_url):
    ids = {}

    @flow(name=f"approval-{uuid.uuid4().hex[:6]}")
    def needs_approval():
        ids["run"] = FlowRunContext.get().flow_run.id
        approval = pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=1)
        return (approval.approver, approval.level)

    resumer = threading.Thread(target=_resume_when_paused,
                               args=(ids, [{"level": "high"}, {"approver": "ann", "level": 3}]))
    resumer.start()
    state = needs_approval(return_state=True)
    resumer.join(timeout=60)
    assert state.is_completed(), state
    assert state.result() == ("ann", 3)
    refused, accepted = ids["results"]
    assert refused == ("Cannot resume this run: Reason: Validation failed. "
                       "Failure reason: 'approver' is a required property")
    assert accepted == "accepted"
    keyset = ids["keyset"]
    with http_client(api_url) as http:
        answer = http.get(f"/flow_runs/{ids['run']}/input/{keyset['response']}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        assert answer.json() == {"approver": "ann", "level": 3}
        assert "Approval" in http.get(f"/flow_runs/{ids['run']}/input/{keyset['schema']}").text


# Verifies one flow's send_input reaches another's receive_input, in order, with the sender.
def test_send_and_receive_input_between_runs():
    @flow(name=f"inbox-{uuid.uuid4().hex[:6]}")
    def inbox():
        return FlowRunContext.get().flow_run.id

    target = inbox(return_state=True).state_details.flow_run_id

    @flow(name=f"sender-{uuid.uuid4().hex[:6]}")
    def sender():
        for word in ("one", "two"):
            send_input(word, flow_run_id=target)

    sender()
    received = []
    for item in receive_input(str, flow_run_id=target, timeout=10, poll_interval=0.2, with_metadata=True):
        received.append((item.value, item.metadata.sender is not None))
        if len(received) == 2:
            break
    assert received == [("one", True), ("two", True)]


# Verifies the raw routes: 201 then 409 on a taken key, 404 for an unknown run or key, the
# text value, prefix filter with exclusions and limit, delete 204 then 404.
def test_input_routes(http):
    flow_id = http.post("/flows/", json={"name": f"inputs-{uuid.uuid4().hex[:6]}"}).json()["id"]
    run_id = http.post("/flow_runs/", json={"flow_id": flow_id}).json()["id"]
    created = http.post(f"/flow_runs/{run_id}/input", json={"key": "k-1", "value": '{"a": 1}'})
    assert (created.status_code, created.json()) == (201, None)
    taken = http.post(f"/flow_runs/{run_id}/input", json={"key": "k-1", "value": "x"})
    assert (taken.status_code, taken.json()) == (409, {"detail": "A flow run input with this key already exists."})
    http.post(f"/flow_runs/{run_id}/input", json={"key": "k-2", "value": "second", "sender": "me"})
    http.post(f"/flow_runs/{run_id}/input", json={"key": "other", "value": "x"})
    unknown_run = http.post(f"/flow_runs/{uuid.uuid4()}/input", json={"key": "k", "value": "x"})
    assert (unknown_run.status_code, unknown_run.json()) == (404, {"detail": "Flow run not found"})
    value = http.get(f"/flow_runs/{run_id}/input/k-1")
    assert value.text == '{"a": 1}' and value.headers["content-type"].startswith("text/plain")

    def keys(body):
        r = http.post(f"/flow_runs/{run_id}/input/filter", json=body)
        assert r.status_code == 200, r.text
        return [i["key"] for i in r.json()]

    assert keys({"prefix": "k"}) == ["k-1"]  # limit defaults to 1, oldest first
    assert keys({"prefix": "k", "limit": 10}) == ["k-1", "k-2"]
    assert keys({"prefix": "k", "limit": 10, "exclude_keys": ["k-1"]}) == ["k-2"]
    found = http.post(f"/flow_runs/{run_id}/input/filter", json={"prefix": "k-2"}).json()[0]
    assert set(found) == {"id", "created", "updated", "flow_run_id", "key", "value", "sender"}
    assert (found["flow_run_id"], found["value"], found["sender"]) == (run_id, "second", "me")
    assert http.post(f"/flow_runs/{run_id}/input/filter", json={}).status_code == 422
    assert http.delete(f"/flow_runs/{run_id}/input/k-1").status_code == 204
    gone = http.get(f"/flow_runs/{run_id}/input/k-1")
    assert (gone.status_code, gone.json()) == (404, {"detail": "Flow run input not found"})
    assert http.delete(f"/flow_runs/{run_id}/input/k-1").status_code == 404
