"""Several replicas on one PostgreSQL database (DESIGN.md §3, §5): each background service
runs on one replica at a time under an advisory-lock lease, and kill -9 of its holder hands
it over; /events/out subscribers on one replica see events another replica received. Also:
events sent over /events/in before the database is ready are kept and stored once it is."""

import json
import subprocess
import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from conftest import BINARY
from websockets.sync.client import connect

SERVICE_LEASE_CLASS = 0x50524154  # store/service_lease.h kServiceLeaseLockClass
MIGRATION_LOCK_KEY = 0x7072616574_6f72  # store/migrations.h kMigrationLockKey
LEASE_LINE = "service scheduler: lease acquired"


def _ws(api_url: str, path: str):
    ws = connect(api_url.replace("http://", "ws://") + path, subprotocols=["prefect"], open_timeout=10)
    ws.send(json.dumps({"type": "auth", "token": None}))
    assert json.loads(ws.recv(timeout=10))["type"] == "auth_success"
    return ws


def _event(name: str) -> dict:
    return {"id": str(uuid.uuid4()), "occurred": datetime.now(timezone.utc).isoformat(), "event": name,
            "resource": {"prefect.resource.id": f"ops.test.{uuid.uuid4()}"}, "related": [], "payload": {}}


def _holders(replicas) -> list:
    return [r for r in replicas if LEASE_LINE in r.log_text()]


def _wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_each_service_runs_on_one_replica_and_kill9_hands_it_over(praetor_factory, postgres_db):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url,
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
           "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1",
           "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "1",
           "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs"}
    replicas = [praetor_factory(env=env).spawn() for _ in range(3)]
    for r in replicas:
        r.wait_for("/ready", timeout=30)
    _wait_until(lambda: len(_holders(replicas)) >= 1, 10, "a scheduler lease holder")
    time.sleep(3)  # the standbys retry every second: none may take it meanwhile
    holders = _holders(replicas)
    assert len(holders) == 1, [r.log_text()[-1500:] for r in replicas]
    # One lock per service (scheduler, recent-deployments pass, late runs, foreman,
    # cancellation cleanup, pause expirations, repossessor, automation triggers, the three
    # database vacuums), each held once across the replicas.
    held = postgres_db.psql(
        f"SELECT count(*), count(DISTINCT objid) FROM pg_locks WHERE locktype = 'advisory' "
        f"AND classid = {SERVICE_LEASE_CLASS} AND granted AND database = "
        f"(SELECT oid FROM pg_database WHERE datname = current_database())")
    assert held == "11|11", held
    for service in ("scheduler-recent-deployments", "late-runs", "foreman", "cancellation-cleanup",
                    "pause-expirations", "repossessor", "db-vacuum-events", "db-vacuum-flow-runs",
                    "db-vacuum-orphans"):
        assert sum(f"service {service}: lease acquired" in r.log_text() for r in replicas) == 1, service

    holders[0].kill9()
    survivors = [r for r in replicas if r is not holders[0]]
    _wait_until(lambda: len(_holders(survivors)) == 1, 15, "a survivor to take the scheduler lease")
    time.sleep(2)
    assert len(_holders(survivors)) == 1
    # The new holder runs passes: the scheduler creates runs for a scheduled deployment.
    api = survivors[0].api_url
    flow = httpx.post(f"{api}/flows/", json={"name": "lease-flow"}).json()
    dep = httpx.post(f"{api}/deployments/", json={
        "name": "every-hour", "flow_id": flow["id"],
        "schedules": [{"schedule": {"interval": 3600}, "active": True}]})
    assert dep.status_code in (200, 201), dep.text
    dep_id = dep.json()["id"]

    def scheduled_runs() -> int:
        runs = httpx.post(f"{api}/flow_runs/filter",
                          json={"flow_runs": {"deployment_id": {"any_": [dep_id]}}}).json()
        return len(runs)

    _wait_until(lambda: scheduled_runs() >= 3, 15, "the scheduler to create runs")
    count = scheduled_runs()
    time.sleep(2.5)  # more passes, on the one holder only: no duplicates appear
    assert scheduled_runs() == count
    rows = postgres_db.psql(
        f"SELECT count(*), count(DISTINCT expected_start_time) FROM flow_run WHERE deployment_id = '{dep_id}'")
    total, distinct = rows.split("|")
    assert total == distinct, rows


def test_events_out_on_one_replica_sees_events_received_by_another(praetor_factory, postgres_db):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}
    a, b = (praetor_factory(env=env).spawn() for _ in range(2))
    a.wait_for("/ready", timeout=30)
    b.wait_for("/ready", timeout=30)
    out = _ws(b.api_url, "/events/out")
    out.send(json.dumps({"type": "filter", "backfill": False,
                         "filter": {"event": {"prefix": ["ops.replica."]},
                                    "occurred": {"since": "2020-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}}}))
    time.sleep(0.5)  # the subscription is live
    sent_to_a, sent_to_b = _event("ops.replica.on-a"), _event("ops.replica.on-b")
    with _ws(a.api_url, "/events/in") as ws_in:
        ws_in.send(json.dumps(sent_to_a))
        ws_in.ping().wait(5)
    with _ws(b.api_url, "/events/in") as ws_in:
        ws_in.send(json.dumps(sent_to_b))
        ws_in.ping().wait(5)
    received = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(received) < 2:
        try:
            msg = json.loads(out.recv(timeout=0.5))
        except TimeoutError:
            continue
        received.append(msg["event"]["id"])
    # Both arrive, and the event B received itself is delivered once, not again from NOTIFY.
    time.sleep(1.5)
    while True:
        try:
            received.append(json.loads(out.recv(timeout=0.2))["event"]["id"])
        except TimeoutError:
            break
    out.close()
    assert sorted(received) == sorted([sent_to_a["id"], sent_to_b["id"]]), received


def _count_events(api_url: str, prefix: str) -> int:
    r = httpx.post(f"{api_url}/events/filter", json={"filter": {"event": {"prefix": [prefix]}}, "limit": 50})
    return r.json()["total"] if r.status_code == 200 else -1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_events_sent_before_the_database_is_ready_are_stored(praetor_factory, tmp_path, backend, request):
    """The server listens while it waits for its schema; events accepted over /events/in
    then are held and stored once the schema is ready, not dropped."""
    env = {"PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false"}
    if backend == "postgres":
        db = request.getfixturevalue("postgres_db")
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = db.url
    server = praetor_factory(env=env)
    server.spawn().wait_for("/health")
    assert server.status("/ready") == 503
    sent = [_event("ops.early.event") for _ in range(5)]
    with _ws(server.api_url, "/events/in") as ws_in:
        for e in sent:
            ws_in.send(json.dumps(e))
        ws_in.ping().wait(5)
    assert server.status("/ready") == 503
    upgrade_env = {k: v for k, v in server.extra_env.items() if k != "PREFECT_SERVER_DATABASE_MIGRATE_ON_START"}
    upgrade_env["PREFECT_HOME"] = str(tmp_path)
    import os
    done = subprocess.run([BINARY, "server", "database", "upgrade", "-y"], capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}, **upgrade_env})
    assert done.returncode == 0, done.stdout + done.stderr
    server.wait_for("/ready", timeout=15)
    _wait_until(lambda: _count_events(server.api_url, "ops.early.") == len(sent), 10, "the held events to be stored")
