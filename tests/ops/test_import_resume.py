"""`praetor server database import` killed with SIGKILL in the middle of copying flow runs,
then run again, ends complete: every run with its whole state history and every log, none
twice (issue 15). The Prefect database is built by Prefect's own migrations and filled with
rows written in Prefect's storage format."""

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

from conftest import BINARY, ROOT

PREFECT = str(ROOT / ".venv/bin/prefect")
RUNS = 20000
LOGS_PER_RUN = 2


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", **extra)
    return env


def prefect_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1e6) % 1_000_000:06d}"


def fill(path: Path) -> None:
    """One flow, RUNS completed runs of three states each, LOGS_PER_RUN logs per run."""
    db = sqlite3.connect(path)
    base = 1_780_000_000.0
    flow_id = str(uuid.uuid4())
    db.execute("INSERT INTO flow (id, created, updated, name, tags, labels) VALUES (?, ?, ?, 'bulk', '[]', '{}')",
               (flow_id, prefect_time(base), prefect_time(base)))
    for i in range(RUNS):
        run_id, t = str(uuid.uuid4()), base + i
        states = [(str(uuid.uuid4()), kind, t + k) for k, kind in enumerate(("PENDING", "RUNNING", "COMPLETED"))]
        db.execute(
            "INSERT INTO flow_run (id, created, updated, name, state_type, state_name, state_id, state_timestamp, "
            "run_count, start_time, end_time, total_run_time, flow_id, parameters, context, empirical_policy, tags, "
            "labels, job_variables, auto_scheduled) VALUES (?, ?, ?, ?, 'COMPLETED', 'Completed', ?, ?, 1, ?, ?, ?, "
            "?, '{}', '{}', '{}', '[]', '{}', '{}', 0)",
            (run_id, prefect_time(t), prefect_time(t + 2), f"run-{i}", states[-1][0], prefect_time(t + 2),
             prefect_time(t + 1), prefect_time(t + 2), "1970-01-01 00:00:01.000000", flow_id))
        for state_id, kind, at in states:
            db.execute(
                "INSERT INTO flow_run_state (id, created, updated, type, timestamp, name, state_details, flow_run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (state_id, prefect_time(at), prefect_time(at), kind, prefect_time(at), kind.title(),
                 json.dumps({"flow_run_id": run_id}), run_id))
        for k in range(LOGS_PER_RUN):
            db.execute(
                "INSERT INTO log (id, created, updated, name, level, flow_run_id, message, timestamp) "
                "VALUES (?, ?, ?, 'prefect.flow_runs', 20, ?, ?, ?)",
                (str(uuid.uuid4()), prefect_time(t), prefect_time(t), run_id, f"line {k} of run {i}", prefect_time(t)))
    db.commit()
    db.close()


def praetor_count(path: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute(sql).fetchone()[0]


def test_import_killed_mid_copy_completes_when_run_again(tmp_path):
    source = tmp_path / "prefect.db"
    out = subprocess.run([PREFECT, "server", "database", "upgrade", "-y"], capture_output=True, text=True, timeout=600,
                         env=clean_env(PREFECT_HOME=str(tmp_path / "prefect-home"),
                                       PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{source}"))
    assert out.returncode == 0, out.stdout + out.stderr
    fill(source)
    home = tmp_path / "praetor-home"
    command = [BINARY, "server", "database", "import", "--from", f"sqlite+aiosqlite:///{source}"]

    first = subprocess.Popen(command, env=clean_env(PREFECT_HOME=str(home)), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    praetor_db = home / "praetor.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:  # killed once the first runs are committed
        try:
            if praetor_count(praetor_db, "SELECT count(*) FROM flow_run") > 0:
                break
        except sqlite3.OperationalError:
            pass  # not created or not migrated yet
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait()
    copied_before_kill = praetor_count(praetor_db, "SELECT count(*) FROM flow_run")
    assert 0 < copied_before_kill < RUNS, copied_before_kill  # killed mid-copy

    again = subprocess.run(command, env=clean_env(PREFECT_HOME=str(home)), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    rows = {line.split()[0]: [int(n) for n in line.split()[1:]]
            for line in again.stdout.split("in Praetor\n", 1)[1].split("\n\n", 1)[0].splitlines()}
    assert rows["flow_run"] == [RUNS, RUNS - copied_before_kill, copied_before_kill, RUNS], rows
    assert rows["log"][3] == RUNS * LOGS_PER_RUN, rows
    # Every run has its whole history, its current state the last one.
    assert praetor_count(praetor_db, "SELECT count(*) FROM flow_run_state") == 3 * RUNS
    assert praetor_count(praetor_db, "SELECT count(*) FROM flow_run r JOIN flow_run_state s ON s.id = r.state_id "
                                     "WHERE s.type = 'COMPLETED' AND r.state_type = 'COMPLETED'") == RUNS
