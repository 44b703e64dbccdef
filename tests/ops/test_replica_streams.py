"""/logs/out and background task-run delivery across replicas on one PostgreSQL database:
a /logs/out subscriber on one replica sees logs another replica stored (its own replica's
once), and task runs queued on either replica reach subscribers on both, each run claimed
once; a run sent and not acknowledged goes to a subscriber on another replica."""

import json
import time
import uuid
from datetime import datetime, timezone

import httpx
from websockets.sync.client import connect


def _ws(api_url: str, path: str):
    ws = connect(api_url.replace("http://", "ws://") + path, subprotocols=["prefect"], open_timeout=10)
    ws.send(json.dumps({"type": "auth", "token": None}))
    assert json.loads(ws.recv(timeout=10))["type"] == "auth_success"
    return ws


def _drain(ws, quiet: float) -> list:
    out = []
    while True:
        try:
            out.append(json.loads(ws.recv(timeout=quiet)))
        except TimeoutError:
            return out


def _replicas(praetor_factory, postgres_db, n=2):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}
    replicas = [praetor_factory(env=env).spawn() for _ in range(n)]
    for r in replicas:
        r.wait_for("/ready", timeout=30)
    return replicas


def test_logs_out_on_one_replica_sees_logs_stored_by_another(praetor_factory, postgres_db):
    a, b = _replicas(praetor_factory, postgres_db)
    flow = httpx.post(f"{a.api_url}/flows/", json={"name": "replica-logs"}).json()
    run = httpx.post(f"{a.api_url}/flow_runs/", json={"flow_id": flow["id"]}).json()
    out = _ws(b.api_url, "/logs/out")
    out.send(json.dumps({"type": "filter", "filter": {"flow_run_id": {"any_": [run["id"]]}}}))
    time.sleep(0.5)  # the subscription is live

    def log(message):
        return {"name": "ops", "level": 20, "message": message, "flow_run_id": run["id"],
                "timestamp": datetime.now(timezone.utc).isoformat()}

    assert httpx.post(f"{a.api_url}/logs/", json=[log("stored by a")]).status_code == 201
    assert httpx.post(f"{b.api_url}/logs/", json=[log("stored by b")]).status_code == 201
    received = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(received) < 2:
        received += [m["log"]["message"] for m in _drain(out, 0.5)]
    received += [m["log"]["message"] for m in _drain(out, 1.5)]  # nothing twice
    out.close()
    assert sorted(received) == ["stored by a", "stored by b"], received


def _queue_background_run(api_url: str, task_key: str) -> str:
    r = httpx.post(f"{api_url}/task_runs/", json={
        "name": "bg", "task_key": task_key, "dynamic_key": str(uuid.uuid4()),
        "state": {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"deferred": True}}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _subscribe(api_url: str, task_key: str, client_id: str):
    ws = _ws(api_url, "/task_runs/subscriptions/scheduled")
    ws.send(json.dumps({"type": "subscribe", "keys": [task_key], "client_id": client_id}))
    return ws


def test_task_runs_queued_on_either_replica_are_delivered_once(praetor_factory, postgres_db):
    a, b = _replicas(praetor_factory, postgres_db)
    task_key = f"ops-task-{uuid.uuid4().hex[:8]}"
    subscribers = {"on-a": _subscribe(a.api_url, task_key, "worker-a"),
                   "on-b": _subscribe(b.api_url, task_key, "worker-b")}
    time.sleep(0.5)
    # Each replica lists the workers connected to either.
    workers = httpx.post(f"{a.api_url}/task_workers/filter", json={"task_worker_filter": {"task_keys": [task_key]}})
    assert sorted(w["identifier"] for w in workers.json()) == ["worker-a", "worker-b"], workers.text

    queued = [_queue_background_run((a, b)[i % 2].api_url, task_key) for i in range(20)]
    got = {name: [] for name in subscribers}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(map(len, got.values())) < len(queued):
        for name, ws in subscribers.items():
            try:
                run = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                continue
            assert run["task_key"] == task_key and run["state"]["type"] == "SCHEDULED"
            got[name].append(run["id"])
            ws.send(json.dumps({"type": "ack"}))
    time.sleep(1.5)
    for name, ws in subscribers.items():
        extra = _drain(ws, 0.3)
        assert extra == [], (name, extra)
    delivered = got["on-a"] + got["on-b"]
    assert sorted(delivered) == sorted(queued), got
    assert got["on-a"] and got["on-b"], got

    # Sent to B's subscriber and not acknowledged: goes to A's when B's socket closes.
    subscribers["on-a"].close()
    held_by_b = _queue_background_run(a.api_url, task_key)
    assert json.loads(subscribers["on-b"].recv(timeout=10))["id"] == held_by_b
    late = _subscribe(a.api_url, task_key, "worker-a2")
    time.sleep(0.5)
    subscribers["on-b"].close()
    assert json.loads(late.recv(timeout=10))["id"] == held_by_b
    late.send(json.dumps({"type": "ack"}))
    late.close()


def _worker_frame(type_: str, payload: dict) -> str:
    return json.dumps({"type": type_, "id": str(uuid.uuid4()), "sent_at": datetime.now(timezone.utc).isoformat(),
                       "payload": payload})


def test_worker_channel_on_one_replica_gets_snapshots_of_changes_made_through_another(praetor_factory, postgres_db):
    a, b = _replicas(praetor_factory, postgres_db)
    pool = f"replica-pool-{uuid.uuid4().hex[:8]}"
    assert httpx.post(f"{a.api_url}/work_pools/", json={"name": pool, "type": "process"}).status_code == 201
    ws = _ws(b.api_url, f"/work_pools/{pool}/workers/connect")
    ws.send(_worker_frame("worker.hello.v1", {
        "consumer_id": str(uuid.uuid4()), "worker_name": "on-b", "worker_type": "process",
        "heartbeat_interval_seconds": 30, "supported_channel_versions": ["work_pool_worker_channel.v1"],
        "requested_capabilities": ["worker_heartbeat.v1", "work_pool_snapshot.v1"]}))
    assert json.loads(ws.recv(timeout=10))["type"] == "worker.ready.v1"
    # Changed through replica a: the worker connected to b gets the snapshot, once.
    assert httpx.patch(f"{a.api_url}/work_pools/{pool}", json={"concurrency_limit": 7}).status_code == 204
    frames = _drain(ws, 2.0)
    assert [(f["type"], f["payload"]["snapshot_sequence"], f["payload"]["work_pool"]["concurrency_limit"])
            for f in frames] == [("work_pool.snapshot.v1", 2, 7)], frames
    # Deleted through a: b closes the channel.
    assert httpx.delete(f"{a.api_url}/work_pools/{pool}").status_code == 204
    try:
        ws.recv(timeout=10)
        raise AssertionError("the channel stayed open after its pool was deleted")
    except Exception as closed:  # websockets' ConnectionClosed
        rcvd = getattr(closed, "rcvd", None)
        assert rcvd is not None and (rcvd.code, rcvd.reason) == (1008, "authorization_failed"), closed
