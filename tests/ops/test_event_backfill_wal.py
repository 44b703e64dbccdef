"""Issue 14 item 8: a slow /events/out subscriber backfilling from a large SQLite database,
while writes continue, must not pin the WAL. The README bounds the `-wal` file "under
128 MB"; a backfill that holds one read transaction (or reads pages whose each read scans
every earlier row) keeps the checkpointer from restarting the WAL, which then grows with
every write until the backfill ends."""

import json
import sqlite3
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from websockets.sync.client import connect

WAL_BOUND = 128 * 1024 * 1024  # README: the -wal file stays under 128 MB
STORED_EVENTS = 200_000
WRITE_SECONDS = 25


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fill(db_path, n: int, start: datetime) -> None:
    """Stores `n` events as the event persister stores them (events/event_persister.cpp):
    one `event` row with the ReceivedEvent document and one `event_resource` row for its
    resource, occurred one millisecond apart from `start`."""
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    payload = {"note": "x" * 200}

    def rows():
        for i in range(n):
            occurred = start + timedelta(milliseconds=i)
            event_id = str(uuid.UUID(int=i + 1, version=4))
            resource_id = f"ops.backfill.{i % 100}"
            doc = {"occurred": _ts(occurred), "event": "ops.backfill.stored",
                   "resource": {"prefect.resource.id": resource_id}, "related": [], "payload": payload,
                   "id": event_id, "follows": None, "received": _ts(occurred)}
            micros = int(occurred.timestamp() * 1_000_000)
            yield event_id, micros, resource_id, json.dumps(doc, separators=(",", ":"))

    events = list(rows())
    with con:
        con.executemany("INSERT INTO event(id, occurred, received, event, resource_id, follows, doc) "
                        "VALUES (?, ?, ?, 'ops.backfill.stored', ?, NULL, ?)",
                        [(event_id, micros, micros, resource_id, doc) for event_id, micros, resource_id, doc in events])
        con.executemany("INSERT INTO event_resource(event_id, occurred, resource_id, resource_role, resource) "
                        "VALUES (?, ?, ?, '', '{}')",
                        [(event_id, micros, resource_id) for event_id, micros, resource_id, _ in events])
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def test_slow_backfilling_subscriber_keeps_the_wal_bounded(praetor_factory, tmp_path):
    db_path = tmp_path / "praetor.db"
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{db_path}"}
    first = praetor_factory(env=env).start()  # creates the schema
    assert first.terminate() == 0
    now = datetime.now(timezone.utc)
    # Inside the 15 minutes a subscriber's backfill reaches (PREFECT_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL).
    _fill(db_path, STORED_EVENTS, now - timedelta(minutes=8))

    server = praetor_factory(env=env).start()
    wal = db_path.with_name(db_path.name + "-wal")
    largest = 0
    stop = threading.Event()

    def watch_wal():
        nonlocal largest
        while not stop.is_set():
            try:
                largest = max(largest, wal.stat().st_size)
            except FileNotFoundError:
                pass
            time.sleep(0.05)

    accepted = 0

    def write_events():
        nonlocal accepted
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                occurred = _ts(datetime.now(timezone.utc))
                batch = [{"id": str(uuid.uuid4()), "occurred": occurred, "event": "ops.backfill.live",
                          "resource": {"prefect.resource.id": f"ops.live.{uuid.uuid4()}"},
                          "related": [{"prefect.resource.id": f"ops.related.{uuid.uuid4()}",
                                       "prefect.resource.role": "flow"}],
                          "payload": {"note": "y" * 500}} for _ in range(500)]
                r = client.post(f"{server.api_url}/events", json=batch)
                assert r.status_code == 204, r.text
                accepted += len(batch)

    watcher = threading.Thread(target=watch_wal)
    writer = threading.Thread(target=write_events)
    watcher.start()

    # A subscriber that asks for every stored event and reads one message at a time, slowly
    # (its socket buffers fill). The server reads the backfill from the database page by page
    # meanwhile; what the subscriber has not read waits in the connection's outbox.
    ws = connect(server.api_url.replace("http://", "ws://") + "/events/out", subprotocols=["prefect"],
                 open_timeout=10, max_queue=4)
    received = 0
    try:
        ws.send(json.dumps({"type": "auth", "token": None}))
        assert json.loads(ws.recv(timeout=10))["type"] == "auth_success"
        ws.send(json.dumps({"type": "filter", "backfill": True, "filter": {
            "occurred": {"since": _ts(now - timedelta(minutes=10)), "until": _ts(now + timedelta(hours=1))},
            "event": {"prefix": ["ops.backfill.stored"]}}}))
        writer.start()
        deadline = time.monotonic() + WRITE_SECONDS
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=10))
            assert message["type"] == "event"
            received += 1
            if received % 200 == 0:
                time.sleep(0.05)
    finally:
        stop.set()
        ws.close()
        if writer.ident is not None:  # started
            writer.join()
        watcher.join()

    assert received > 1000, "the backfill sent too little to test anything"
    assert accepted > 20_000, f"only {accepted} events were written while the subscriber read"
    assert largest < WAL_BOUND, f"-wal reached {largest / 2**20:.0f} MB (bound 128 MB)"
    print(f"stored {STORED_EVENTS}, backfilled {received}, written {accepted}, largest -wal {largest / 2**20:.1f} MB")
