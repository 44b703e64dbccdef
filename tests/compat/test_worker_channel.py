"""The worker channel, /api/work_pools/{name}/workers/connect (protocol
work_pool_worker_channel.v1): a real `prefect worker start` connects over it and takes the
pool's changes from its snapshots; and the protocol itself as a raw client sees it (ready
frame, heartbeats, snapshots on pool changes, close reasons)."""

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from scenarios import http_client, unique, wait_for

VERSION = "work_pool_worker_channel.v1"
REQUIRED = ["worker_heartbeat.v1", "work_pool_snapshot.v1"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _frame(type_: str, payload: dict) -> str:
    return json.dumps({"type": type_, "id": str(uuid.uuid4()), "sent_at": _now(), "payload": payload})


def _hello(consumer_id: str, worker_name: str = "raw-worker", **overrides) -> str:
    payload = {
        "consumer_id": consumer_id, "worker_name": worker_name, "worker_type": "process",
        "heartbeat_interval_seconds": 30, "supported_channel_versions": [VERSION],
        "requested_capabilities": list(REQUIRED), "work_queue_names": [],
        "create_pool_if_not_found": False, "default_base_job_template": {},
    }
    payload.update(overrides)
    return _frame("worker.hello.v1", payload)


def _open(api_url: str, pool: str):
    ws = connect(api_url.replace("http://", "ws://") + f"/work_pools/{pool}/workers/connect",
                 subprotocols=["prefect"], open_timeout=10)
    ws.send(json.dumps({"type": "auth", "token": None}))
    assert json.loads(ws.recv(timeout=10)) == {"type": "auth_success"}
    return ws


def _closed_with(ws) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_ready_frame_heartbeats_and_snapshots(api_url):
    pool = unique("chan-pool")
    with http_client(api_url) as c:
        assert c.post("/work_pools/", json={"name": pool, "type": "process"}).status_code == 201
        assert c.post(f"/work_pools/{pool}/queues", json={"name": "second"}).status_code == 201
        consumer = str(uuid.uuid4())
        ws = _open(api_url, pool)
        ws.send(_hello(consumer, work_queue_names=["second"]))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] == "worker.ready.v1"
        p = ready["payload"]
        assert p["consumer_id"] == consumer and p["worker_id"] is None
        assert p["selected_channel_version"] == VERSION
        assert p["effective_heartbeat_interval_seconds"] == 30
        assert sorted(p["accepted_capabilities"]) == sorted(REQUIRED) and p["rejected_capabilities"] == []
        assert p["effective_max_cleanup_concurrency"] == 0
        second = c.get(f"/work_pools/{pool}/queues/second").json()
        assert p["resolved_work_queues"] == [{"id": second["id"], "name": "second"}]
        snap = p["initial_snapshot"]
        assert snap["snapshot_sequence"] == 1 and snap["reason"] == "initial"
        rest = c.get(f"/work_pools/{pool}").json()
        for key in ("id", "name", "type", "base_job_template", "is_paused", "default_queue_id", "concurrency_limit"):
            assert snap["work_pool"][key] == rest[key], key
        # The hello counts as the worker's first heartbeat; later ones are persisted too.
        workers = c.post(f"/work_pools/{pool}/workers/filter", json={}).json()
        assert [(w["name"], w["status"]) for w in workers] == [("raw-worker", "ONLINE")]
        first_beat = workers[0]["last_heartbeat_time"]
        time.sleep(1.1)
        ws.send(_frame("worker.heartbeat.v1", {"consumer_id": consumer, "worker_name": "raw-worker",
                                               "heartbeat_interval_seconds": 30}))
        wait_for(lambda: c.post(f"/work_pools/{pool}/workers/filter", json={}).json()[0]["last_heartbeat_time"]
                 != first_beat, 10, "the heartbeat frame to be persisted")
        # A description is not in the snapshot's trigger fields; a pause is: the next frame
        # is the pause's snapshot, numbered 2.
        assert c.patch(f"/work_pools/{pool}", json={"description": "not a snapshot"}).status_code == 204
        assert c.patch(f"/work_pools/{pool}", json={"is_paused": True, "concurrency_limit": 4}).status_code == 204
        frame = json.loads(ws.recv(timeout=10))
        assert frame["type"] == "work_pool.snapshot.v1"
        assert frame["payload"]["snapshot_sequence"] == 2 and frame["payload"]["reason"] == "work_pool_updated"
        assert frame["payload"]["work_pool"]["is_paused"] is True
        assert frame["payload"]["work_pool"]["concurrency_limit"] == 4
        # Deleting the pool closes its workers' channels.
        assert c.delete(f"/work_pools/{pool}").status_code == 204
        assert _closed_with(ws) == (1008, "authorization_failed")


def test_setup_refusals_close_with_the_protocols_reasons(api_url):
    pool = unique("chan-refuse")
    with http_client(api_url) as c:
        assert c.post("/work_pools/", json={"name": pool, "type": "process"}).status_code == 201
    cases = [
        ("no-such-pool-" + uuid.uuid4().hex[:6], {}, (1008, "authorization_failed")),
        (pool, {"work_queue_names": ["no-such-queue"]}, (1008, "authorization_failed")),
        (pool, {"supported_channel_versions": ["work_pool_worker_channel.v99"]}, (1008, "unsupported_version")),
        (pool, {"requested_capabilities": ["worker_heartbeat.v1"]}, (1002, "protocol_error")),
    ]
    for name, overrides, expected in cases:
        ws = _open(api_url, name)
        ws.send(_hello(str(uuid.uuid4()), **overrides))
        assert _closed_with(ws) == expected, (name, overrides)
    ws = _open(api_url, pool)
    ws.send(json.dumps({"type": "worker.heartbeat.v1"}))  # not a hello
    assert _closed_with(ws) == (1002, "protocol_error")


def test_worker_creates_its_pool_over_the_channel_and_cleanup_without_delivery_is_unauthorized(api_url):
    pool = unique("chan-create")
    template = {"job_configuration": {"command": "{{ command }}"},
                "variables": {"type": "object", "properties": {"command": {"type": "string"}}}}
    consumer = str(uuid.uuid4())
    ws = _open(api_url, pool)
    ws.send(_hello(consumer, create_pool_if_not_found=True, default_base_job_template=template))
    ready = json.loads(ws.recv(timeout=10))
    assert ready["type"] == "worker.ready.v1"
    created = ready["payload"]["initial_snapshot"]["work_pool"]
    assert created["name"] == pool and created["type"] == "process" and created["base_job_template"] == template
    assert [q["name"] for q in ready["payload"]["resolved_work_queues"]] == ["default"]
    with http_client(api_url) as c:
        assert c.get(f"/work_pools/{pool}").json()["id"] == created["id"]
        # The pool created for the worker emits Prefect's prefect.work-pool.created.
        resource_id = f"prefect.work-pool.{created['id']}"

        def created_events():
            r = c.post("/events/filter", json={"filter": {"resource": {"id": [resource_id]}}, "limit": 50})
            assert r.status_code == 200, r.text
            return [e for e in r.json()["events"] if e["event"] == "prefect.work-pool.created"] or None

        event = wait_for(created_events, 60, "the pool's created event")[0]
        assert event["resource"]["prefect.resource.name"] == pool
        assert event["related"] == [{"prefect.resource.id": f"prefect.work-queue.{created['default_queue_id']}",
                                     "prefect.resource.role": "default-queue"}]
    # Cleanup delivery was not asked for: a cleanup operation is answered, not obeyed.
    ack = json.loads(_frame("cleanup.ack.v1", {"message_id": str(uuid.uuid4()), "reservation_token": "t"}))
    ws.send(json.dumps(ack))
    result = json.loads(ws.recv(timeout=10))
    assert result["type"] == "cleanup.operation_result.v1"
    assert result["payload"]["request_frame_id"] == ack["id"]
    assert result["payload"]["operation"] == "ack" and result["payload"]["status"] == "unauthorized"
    assert result["payload"]["reason"] == "cleanup_delivery_not_accepted"
    ws.close()


def test_process_worker_uses_the_channel_and_runs_with_the_snapshotted_template(tmp_path, prefect_cli, api_url):
    pool = unique("chan-worker")
    prefect_cli("work-pool", "create", pool, "--type", "process")
    (tmp_path / "flows.py").write_text(textwrap.dedent(
        """
        import os
        from prefect import flow, get_run_logger

        @flow
        def marked():
            get_run_logger().info("marker=%s", os.environ.get("CHANNEL_MARKER", "unset"))
            return 1
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:marked").deploy(
            name="marked", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=dict(os.environ), check=True,
                   capture_output=True, timeout=120)
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="DEBUG", PREFECT_WORKER_QUERY_SECONDS="1")
    log_path = tmp_path / "worker.log"
    exe = str(Path(sys.executable).parent / "prefect")
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([exe, "worker", "start", "--pool", pool, "--type", "process"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "worker channel is healthy" in log_path.read_text(errors="replace"), 60,
                 "the worker to report its channel healthy")
        text = log_path.read_text(errors="replace")
        assert "Worker channel disabled" not in text and "REST fallback is active" not in text, text[-3000:]
        with http_client(api_url) as c:
            # While its channel is healthy the worker reads the pool only from snapshots: the
            # new default reaches the run only through one.
            marker = uuid.uuid4().hex
            template = c.get(f"/work_pools/{pool}").json()["base_job_template"]
            template["variables"]["properties"]["env"]["default"] = {"CHANNEL_MARKER": marker}
            assert c.patch(f"/work_pools/{pool}", json={"base_job_template": template}).status_code == 204
            time.sleep(1)
            d = c.get("/deployments/name/marked/marked").json()
            r = c.post(f"/deployments/{d['id']}/create_flow_run", json={})
            assert r.status_code == 201, r.text
            run_id = r.json()["id"]
            wait_for(lambda: c.get(f"/flow_runs/{run_id}").json()["state_type"] in ("COMPLETED", "FAILED", "CRASHED"),
                     120, "the run to finish")
            assert c.get(f"/flow_runs/{run_id}").json()["state_type"] == "COMPLETED"

            def messages():
                logs = c.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}}).json()
                return [entry["message"] for entry in logs]

            wait_for(lambda: any(m.startswith("marker=") for m in messages()), 30, "the flow's marker log")
            assert f"marker={marker}" in messages()
            workers = c.post(f"/work_pools/{pool}/workers/filter", json={}).json()
            assert workers and workers[0]["status"] == "ONLINE"
        assert "Worker channel disabled" not in log_path.read_text(errors="replace")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
