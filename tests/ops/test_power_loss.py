"""An acknowledged write survives power loss (README "Architecture": the WAL syncer answers a
write only after the fdatasync that covers it), tested by losing every write not yet synced.

kill -9 alone (test_durability.py) keeps the page cache, so it would pass without any fsync.
Here praetor runs with the power-loss shim (tests/power_loss/power_loss_shim.cpp, LD_PRELOAD)
on its SQLite files; the server is killed under load at a random moment, and
tests/support/power_loss.py then undoes every write to those files that no fsync/fdatasync
had covered, as a disk losing power would. A plain praetor restarted on the result must serve
every flow, flow run and work pool it answered 201 for.

Negative control: with the shim ignoring the syncs of praetor's WAL syncer thread (the syncer
switched off: a write is answered once it is in the WAL's page cache), the same scenario must
lose answered writes, which shows the check can fail. `PRAETOR_TEST_POWER_LOSS_SYNCER=off`
runs the positive test in that mode, to watch it fail. The shim's own model is checked on
SQLite alone: fsynced commits survive, unsynced ones are lost.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conftest import BINARY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from power_loss import Loss, lose_unsynced_writes  # noqa: E402

SHIM = Path(BINARY).resolve().parents[2] / "tests/power_loss/libpraetor_power_loss.so"
SYNCER_THREAD = "praetor-walsync"  # store::WalSyncer::kThreadName
WORKERS = 8
ACKED_BEFORE_CRASH = 300  # flows answered in a round before the crash is scheduled


@dataclass
class Acknowledged:
    """Everything the server answered 201 for, across rounds."""

    flows: list[str] = field(default_factory=list)
    flow_runs: list[str] = field(default_factory=list)
    work_pools: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total(self) -> int:
        return len(self.flows) + len(self.flow_runs) + len(self.work_pools)


def load_until_crash(server, acked: Acknowledged, crash) -> None:
    """Runs WORKERS clients creating flows and flow runs (the asynchronously answered write
    routes) and work pools (a route that waits for its write on a handler thread) until the
    server dies; `crash()` is called once the round has ACKED_BEFORE_CRASH flows answered."""
    stop = threading.Event()
    round_flows = threading.Semaphore(0)

    def worker(w: int) -> None:
        with httpx.Client(base_url=server.api_url, timeout=30) as client:
            for i in range(100_000):  # bounded: ends by itself should the crash never come
                if stop.is_set():
                    return
                tag = f"{w}-{i}-{uuid.uuid4().hex[:8]}"
                try:
                    r = client.post("/flows/", json={"name": f"pl-{tag}"})
                    if r.status_code != 201:
                        continue
                    flow_id = r.json()["id"]
                    with acked.lock:
                        acked.flows.append(flow_id)
                    round_flows.release()
                    r = client.post("/flow_runs/", json={"flow_id": flow_id,
                                                         "state": {"type": "PENDING", "name": "Pending"}})
                    if r.status_code == 201:
                        with acked.lock:
                            acked.flow_runs.append(r.json()["id"])
                    if i % 4 == 0:
                        r = client.post("/work_pools/", json={"name": f"pool-{tag}", "type": "process"})
                        if r.status_code == 201:
                            with acked.lock:
                                acked.work_pools.append(f"pool-{tag}")
                except httpx.HTTPError:
                    return  # the server died mid-request: that write was not answered

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for _ in range(ACKED_BEFORE_CRASH):
        assert round_flows.acquire(timeout=60), f"load did not get going: {server.log_text()[-2000:]}"
    crash()
    stop.set()
    for t in threads:
        t.join(timeout=60)


def crash_round(praetor_factory, data: Path, journal: Path, acked: Acknowledged, honour_syncer: bool,
                at_next_wal_write: bool) -> Loss:
    """One round: praetor under the shim on `data`, load, a crash at a random moment, then
    the loss of every unsynced write. With `at_next_wal_write` the crash lands right after
    the server's next WAL write following that moment (so unsynced frames are certain)."""
    env = {"LD_PRELOAD": str(SHIM), "PRAETOR_TEST_POWER_LOSS_DIR": str(data),
           "PRAETOR_TEST_POWER_LOSS_JOURNAL": str(journal),
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite:///{data}/praetor.db"}
    if not honour_syncer:
        env["PRAETOR_TEST_POWER_LOSS_UNHONOURED_THREAD"] = SYNCER_THREAD
    server = praetor_factory(env=env).start(timeout=60)

    def crash() -> None:
        time.sleep(random.uniform(0.0, 0.5))  # a random moment in the load
        server.proc.send_signal(signal.SIGUSR2 if at_next_wal_write else signal.SIGKILL)
        assert server.proc.wait(timeout=60) == -signal.SIGKILL, server.log_text()[-2000:]

    load_until_crash(server, acked, crash)
    server.log.close()
    return lose_unsynced_writes(journal)


def missing_after_restart(praetor_factory, data: Path, acked: Acknowledged) -> list[str]:
    """Restarts a plain praetor (no shim) on `data`; what it answered 201 for but cannot serve."""
    server = praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite:///{data}/praetor.db"}).start(
        timeout=60)
    missing = []
    with httpx.Client(base_url=server.api_url, timeout=30) as client:
        for kind, ids in (("flows", acked.flows), ("flow_runs", acked.flow_runs)):
            for i in range(0, len(ids), 200):
                chunk = ids[i:i + 200]
                r = client.post(f"/{kind}/filter", json={kind: {"id": {"any_": chunk}}, "limit": 200})
                assert r.status_code == 200, r.text
                found = {row["id"] for row in r.json()}
                missing += [f"{kind}/{x}" for x in chunk if x not in found]
        for name in acked.work_pools:
            if client.get(f"/work_pools/{name}").status_code != 200:
                missing.append(f"work_pools/{name}")
    server.terminate()
    return missing


def scenario(praetor_factory, tmp_path: Path, honour_syncer: bool) -> tuple[Acknowledged, list[Loss], list[str]]:
    """Two crash rounds on one database (a kill at a random moment, then a crash right after
    a WAL write), each followed by the loss of unsynced writes; then the check."""
    assert SHIM.exists(), f"{SHIM} missing: scripts/build.sh release builds it"
    data = tmp_path / "data"
    data.mkdir()
    acked = Acknowledged()
    losses = [crash_round(praetor_factory, data, tmp_path / f"journal-{n}", acked, honour_syncer, at_wal)
              for n, at_wal in enumerate((False, True))]
    missing = missing_after_restart(praetor_factory, data, acked)
    print(f"answered: {len(acked.flows)} flows, {len(acked.flow_runs)} flow runs, {len(acked.work_pools)} work pools; "
          + "; ".join(f"round {n + 1}: {loss.summary()}" for n, loss in enumerate(losses))
          + f"; missing after restart: {len(missing)}")
    return acked, losses, missing


CHILD = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=" + sys.argv[2])
db.execute("CREATE TABLE t (i INTEGER PRIMARY KEY)")
for i in range(500):
    db.execute("INSERT INTO t (i) VALUES (?)", (i,))
os.kill(os.getpid(), signal.SIGKILL)
"""


# Verifies the shim itself, on SQLite alone: commits made with synchronous=FULL (each one
# fsynced) all survive the simulated power loss, and with synchronous=OFF (never fsynced)
# they are lost, although a plain kill -9 would have kept them in the page cache.
@pytest.mark.parametrize("synchronous", ["FULL", "OFF"])
def test_shim_keeps_synced_and_drops_unsynced_sqlite_commits(tmp_path, synchronous):
    assert SHIM.exists(), f"{SHIM} missing: scripts/build.sh release builds it"
    data = tmp_path / "data"
    data.mkdir()
    env = dict(os.environ, LD_PRELOAD=str(SHIM), PRAETOR_TEST_POWER_LOSS_DIR=str(data),
               PRAETOR_TEST_POWER_LOSS_JOURNAL=str(tmp_path / "journal"))
    child = subprocess.run([sys.executable, "-c", CHILD, str(data / "t.db"), synchronous], env=env)
    assert child.returncode == -signal.SIGKILL
    loss = lose_unsynced_writes(tmp_path / "journal")
    db = sqlite3.connect(data / "t.db")
    tables = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0]
    rows = db.execute("SELECT count(*) FROM t").fetchone()[0] if tables else 0
    if synchronous == "FULL":
        assert rows == 500, loss.summary()
    else:
        assert rows == 0 and loss.undone_total > 0, loss.summary()


# Verifies that every write praetor answered survives the loss of all unsynced data, at a
# random moment under load, twice on the same database.
def test_acknowledged_writes_survive_power_loss(praetor_factory, tmp_path):
    honour = os.environ.get("PRAETOR_TEST_POWER_LOSS_SYNCER", "on") != "off"
    acked, losses, missing = scenario(praetor_factory, tmp_path, honour_syncer=honour)
    # The second round crashes right after a WAL write, so the loss discarded something real.
    assert losses[1].undone_total > 0, losses[1].summary()
    assert missing == [], (f"{len(missing)} of {acked.total()} answered writes lost to power loss, "
                           f"e.g. {missing[:5]}")


# Verifies the check above can fail: with the WAL syncer's syncs ignored, answered writes
# are lost.
def test_power_loss_negative_control_syncer_off(praetor_factory, tmp_path):
    acked, losses, missing = scenario(praetor_factory, tmp_path, honour_syncer=False)
    assert missing, (f"none of {acked.total()} answered writes lost with the WAL syncer off: the power-loss "
                     f"check is not sensitive ({'; '.join(loss.summary() for loss in losses)})")


if __name__ == "__main__":
    pytest.main([__file__, "-q", "-s"])
