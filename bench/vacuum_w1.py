"""W1 latency while the db_vacuum deletes a large backlog (issue 13: retention must never
stall the writer). A one-off measurement, not part of bench/run:

  .venv/bin/python bench/vacuum_w1.py [--events 250000] [--seconds 20] [--clients 16] [--postgres URL]

Makes a SQLite database (or, with --postgres, a database on that cluster) with N old events of 3 resource rows each (4N rows: 250000 → 1M),
written straight into the migrated file, then runs W1 (bench/load_driver.cpp: create flow,
create run, Running, Completed) twice on a fresh copy of it: once with the vacuum off, once
with the event vacuum on (its first pass starts with the server and deletes the backlog in
batches of PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE). Prints both runs' W1 figures, how
long the pass took and how many rows it deleted (from the server's log line).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from harness import BENCH_BIN, PRAETOR, free_port, wait_until_serving

DAY_US = 86400 * 1_000_000


def start(home: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    full = {"PREFECT_HOME": str(home), "PATH": "/usr/bin:/bin", **env}
    proc = subprocess.Popen([str(PRAETOR), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=full, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    wait_until_serving(f"http://127.0.0.1:{port}/api", lambda: None, 30)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def pg_url(cluster: str, name: str) -> str:
    return cluster.rsplit("/", 1)[0] + "/" + name


def psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True, check=True).stdout.strip()


def db_env(pg: str | None, name: str) -> dict[str, str]:
    if not pg:
        return {}
    return {"PREFECT_SERVER_DATABASE_CONNECTION_URL": pg_url(pg, name).replace("postgresql://", "postgresql+asyncpg://", 1)}


def make_backlog(home: Path, events: int, pg: str | None) -> None:
    if pg:
        psql(pg, "DROP DATABASE IF EXISTS vacuum_backlog")
        psql(pg, "CREATE DATABASE vacuum_backlog")
    proc, _ = start(home, {"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "[]", **db_env(pg, "vacuum_backlog")},
                    home / "init.log")
    stop(proc)
    old = int(time.time() * 1e6) - 30 * DAY_US
    if pg:
        url = pg_url(pg, "vacuum_backlog")
        psql(url, "INSERT INTO event (id, occurred, received, event, resource_id, doc) "
                  f"SELECT '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), {old} + i, {old} + i, "
                  "'bench.vacuum.old', 'bench.resource.' || i, '{\"payload\":\"' || repeat('x', 400) || '\"}' "
                  f"FROM generate_series(1, {events}) AS i")
        psql(url, "INSERT INTO event_resource (event_id, occurred, resource_id, resource_role, resource) "
                  "SELECT id, occurred, resource_id || '.' || k, CASE k WHEN 0 THEN '' ELSE 'related' END, "
                  "'{\"prefect.resource.id\":\"' || resource_id || '\"}' FROM event, generate_series(0, 2) AS k")
        psql(url, "VACUUM ANALYZE")
        return
    db = sqlite3.connect(home / "praetor.db")
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO event (id, occurred, received, event, resource_id, doc) "
        "SELECT printf('00000000-0000-4000-8000-%012d', i), ? + i, ? + i, 'bench.vacuum.old', "
        "'bench.resource.' || i, '{\"payload\":\"' || printf('%.400c', 'x') || '\"}' FROM n",
        (events, old, old))
    db.execute(
        "INSERT INTO event_resource (event_id, occurred, resource_id, resource_role, resource) "
        "SELECT id, occurred, resource_id || '.' || k, CASE k WHEN 0 THEN '' ELSE 'related' END, "
        "'{\"prefect.resource.id\":\"' || resource_id || '\"}' "
        "FROM event, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2)")
    db.commit()
    db.close()


def w1(port: int, clients: int, seconds: float) -> dict:
    out = subprocess.run([str(BENCH_BIN / "praetor_load_driver"), "--port", str(port), "--clients", str(clients),
                          "--seconds", str(seconds), "--warmup", "1", "--workload", "w1"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure(template: Path, vacuum: bool, clients: int, seconds: float, pg: str | None) -> dict:
    home = Path(tempfile.mkdtemp(prefix="vacuum-w1-"))
    if pg:
        psql(pg, "DROP DATABASE IF EXISTS vacuum_run")
        psql(pg, "CREATE DATABASE vacuum_run TEMPLATE vacuum_backlog")
    else:
        shutil.copy(template / "praetor.db", home / "praetor.db")
    env = {"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events" if vacuum else "[]",
           "PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "P7D", **db_env(pg, "vacuum_run")}
    log = home / "server.log"
    started = time.monotonic()
    proc, port = start(home, env, log)
    res = w1(port, clients, seconds)
    window_end = time.monotonic() - started
    # Let the pass finish, to read its count and duration.
    deadline = time.monotonic() + 600
    text = ""
    while vacuum and time.monotonic() < deadline:
        text = log.read_text()
        if "db vacuum: deleted" in text:
            break
        time.sleep(1)
    stop(proc)
    count = "SELECT (SELECT count(*) FROM event) + (SELECT count(*) FROM event_resource)"
    if pg:
        left = int(psql(pg_url(pg, "vacuum_run"), count))
        psql(pg, "DROP DATABASE vacuum_run")
    else:
        left = sqlite3.connect(home / "praetor.db").execute(count).fetchone()[0]
    res = {k: res[k] for k in ("runs_per_second", "requests_per_second", "p50_ms", "p99_ms", "p999_ms", "max_ms",
                               "errors", "requests") if k in res}
    res["rows_left"] = left
    res["seconds_from_start_to_window_end"] = round(window_end, 1)
    if vacuum:
        m = re.search(r"^(\S+) info db vacuum: deleted (\d+) old events and (\d+) event resources", text, re.M)
        s = re.search(r"^(\S+) info service db-vacuum-events: lease acquired", text, re.M)
        if m and s:
            from datetime import datetime
            t0 = datetime.fromisoformat(s.group(1).replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
            res["vacuum_pass_seconds"] = round((t1 - t0).total_seconds(), 1)
            res["vacuum_rows_deleted"] = int(m.group(2)) + int(m.group(3))
    shutil.rmtree(home, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=250_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--postgres", help="cluster URL (postgresql://user@host:port/db); default: SQLite")
    a = ap.parse_args()
    template = Path(tempfile.mkdtemp(prefix="vacuum-backlog-"))
    t = time.monotonic()
    make_backlog(template, a.events, a.postgres)
    print(f"backlog: {a.events} events + {3 * a.events} resources in {time.monotonic() - t:.1f} s", flush=True)
    for vacuum in (False, True):
        print(("with vacuum: " if vacuum else "without vacuum: ") +
              json.dumps(measure(template, vacuum, a.clients, a.seconds, a.postgres)), flush=True)
    if a.postgres:
        psql(a.postgres, "DROP DATABASE vacuum_backlog")
    shutil.rmtree(template, ignore_errors=True)


if __name__ == "__main__":
    main()
