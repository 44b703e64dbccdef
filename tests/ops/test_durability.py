"""An acknowledged write survives kill -9 (DESIGN.md §3): every create the server answered
2xx before the kill is readable after a restart on the same database."""

import threading
import time
import uuid

import httpx


def test_acknowledged_writes_survive_kill9(praetor_factory):
    server = praetor_factory().start()
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        with httpx.Client(base_url=server.api_url, timeout=5) as client:
            for i in range(5000):  # bounded: stops by itself
                if stop.is_set():
                    return
                name = f"w{worker}-{i}-{uuid.uuid4().hex[:6]}"
                try:
                    r = client.post("/flows/", json={"name": name})
                except httpx.HTTPError:
                    return  # the server was killed mid-request: not acknowledged
                if r.status_code == 201:
                    with lock:
                        acknowledged.append((r.json()["id"], name))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(acknowledged) < 1000:
        time.sleep(0.01)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acknowledged) >= 1000, "load did not get going before the kill"

    restarted = praetor_factory(server.port).start()
    with httpx.Client(base_url=restarted.api_url, timeout=10) as client:
        missing = [fid for fid, _ in acknowledged if client.get(f"/flows/{fid}").status_code != 200]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged flows lost after kill -9"


def test_sigterm_shuts_down_cleanly(praetor_factory):
    server = praetor_factory().start()
    r = httpx.post(f"{server.api_url}/flows/", json={"name": "before-sigterm"})
    assert r.status_code == 201
    assert server.terminate() == 0
    restarted = praetor_factory(server.port).start()
    assert httpx.get(f"{restarted.api_url}/flows/name/before-sigterm").status_code == 200
