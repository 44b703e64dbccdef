"""The memory budget (PRAETOR_SERVER_MEMORY_BUDGET_MB) holds: request bodies in flight take at
most a quarter of it and SQLite's page caches at most half, so the cases the fault probe found
(24 invalid 60 MB bodies at once took RSS to 2.2 GB; many readers over a large database held
six 64 MB caches) stay within the budget. Peak RSS is the kernel's high-water mark (VmHWM),
so no sample can miss a peak."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def test_large_invalid_bodies_at_once_stay_within_the_default_budget(praetor_factory):
    budget_mb = 512  # the documented default
    p = praetor_factory().start()
    filler = "z" * (60 * 1024 * 1024)
    body = ('{"name": ["not", "a", "string", "' + filler + '"]}').encode()
    del filler

    def send(_):
        with httpx.Client(timeout=300) as c:
            r = c.post(f"{p.api_url}/flows/", content=body, headers={"Content-Type": "application/json"})
            return r.status_code, len(r.content)

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(send, range(24)))
    assert all(status == 422 for status, _ in answers), answers
    assert all(size < 64 * 1024 for _, size in answers), answers  # a prefix is echoed, not the body
    assert httpx.post(f"{p.api_url}/flows/", json={"name": "after-the-flood"}).status_code == 201
    peak = _peak_rss_mb(p.proc.pid)
    assert peak <= budget_mb, f"peak RSS {peak:.0f} MB over the {budget_mb} MB budget"


def test_many_readers_over_a_large_database_stay_within_the_budget(praetor_factory):
    budget_mb = 128
    p = praetor_factory(env={"PRAETOR_SERVER_MEMORY_BUDGET_MB": str(budget_mb)}).start()
    flow = httpx.post(f"{p.api_url}/flows/", json={"name": "logs-owner"}).json()
    run = httpx.post(f"{p.api_url}/flow_runs/", json={"flow_id": flow["id"]}).json()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    message = "m" * 2000
    # About 160 MB of logs: far more than the caches may hold.
    with httpx.Client(timeout=60) as c:
        for batch in range(400):
            logs = [{"name": "budget", "level": 20, "message": message, "flow_run_id": run["id"],
                     "timestamp": (start + timedelta(milliseconds=batch * 200 + i)).isoformat()}
                    for i in range(200)]
            assert c.post(f"{p.api_url}/logs/", json=logs).status_code == 201
    stop = threading.Event()
    errors: list[str] = []

    def read(seed: int):
        rng = random.Random(seed)
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                # No log matches: each read walks every page of the table through its cache.
                r = c.post(f"{p.api_url}/logs/filter",
                           json={"logs": {"level": {"ge_": 50 + rng.randrange(10)}}, "limit": 10})
                if r.status_code != 200 or r.json() != []:
                    errors.append(f"{r.status_code}: {r.text[:200]}")
                    return

    threads = [threading.Thread(target=read, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    stop.wait(15)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    peak = _peak_rss_mb(p.proc.pid)
    assert peak <= budget_mb, f"peak RSS {peak:.0f} MB over the {budget_mb} MB budget"


def test_large_websocket_messages_at_once_stay_within_the_budget(praetor_factory):
    """WebSocket messages count against the same budget: 24 clients each sending a 16 MB
    message to /api/events/in at once (384 MB; handling one holds about 12 times its size)
    stay under the default 512 MB budget; what does not fit is closed with 1013 "try again
    later", and the server goes on accepting events."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    budget_mb = 512  # the documented default
    p = praetor_factory().start()
    ws_url = p.api_url.replace("http://", "ws://") + "/events/in"
    message = '{"not": "an event", "filler": "' + "w" * (16 * 1024 * 1024) + '"}'
    start = threading.Barrier(24)

    def send(_):
        with connect(ws_url, subprotocols=["prefect"], max_size=None, open_timeout=60) as ws:
            ws.send('{"type": "auth", "token": null}')
            assert '"auth_success"' in ws.recv(timeout=60)
            start.wait(timeout=60)
            try:
                ws.send(message)
                ws.recv(timeout=10)  # the server answers nothing to an event, good or bad
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
            except TimeoutError:
                return "open"
            return "answered"

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(send, range(24)))
    assert 1013 in outcomes, outcomes  # some did not fit
    peak = _peak_rss_mb(p.proc.pid)
    assert peak <= budget_mb, f"peak RSS {peak:.0f} MB over the {budget_mb} MB budget"
    event = {"id": "0192c0de-0000-7000-8000-000000000001", "event": "after.the.flood",
             "occurred": datetime.now(timezone.utc).isoformat(), "resource": {"prefect.resource.id": "budget.test"}}
    assert httpx.post(f"{p.api_url}/events", json=[event]).status_code == 204
