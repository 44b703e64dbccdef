"""Upgrades that cannot hurt (DESIGN.md §5): replicas starting at once migrate exactly once,
/api/ready is 503 until the schema is at the binary's version while /api/health answers,
a binary refuses a schema newer than it knows, and kill -9 during start-up (migrations
included) leaves a database the next start completes."""

import os
import re
import sqlite3
import subprocess
import time

import httpx
import pytest
from conftest import BINARY, ROOT

MIGRATION_LOCK_KEY = 0x7072616574_6f72  # store/migrations.h kMigrationLockKey


def newest_version(db) -> int:
    return int(db.psql("SELECT max(version) FROM praetor_schema_version"))


def test_replicas_started_at_once_migrate_exactly_once(praetor_factory, postgres_db):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}
    replicas = [praetor_factory(env=env).spawn() for _ in range(4)]
    for r in replicas:
        r.wait_for("/ready", timeout=30)
    migrators = [r for r in replicas if "migrating database schema from version 0" in r.log_text()]
    assert len(migrators) == 1, [r.log_text()[-800:] for r in replicas]
    newest = newest_version(postgres_db)
    assert postgres_db.psql("SELECT count(*), count(DISTINCT version) FROM praetor_schema_version") == f"{newest}|{newest}"
    for i, r in enumerate(replicas):  # every replica serves reads and writes
        created = httpx.post(f"{r.api_url}/flows/", json={"name": f"replica-{i}"})
        assert created.status_code == 201, created.text
    names = httpx.post(f"{replicas[0].api_url}/flows/filter", json={}).json()
    assert {f"replica-{i}" for i in range(4)} <= {f["name"] for f in names}


def test_ready_is_503_while_another_process_migrates(praetor_factory, postgres_db):
    # A psql session holding the migration lock stands in for a replica mid-migration.
    holder = subprocess.Popen(
        ["psql", postgres_db.libpq_url, "-qAt", "-c",
         f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY}); SELECT pg_sleep(3)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        server = praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url})
        server.spawn().wait_for("/health")
        assert server.status("/ready") == 503
        assert server.status("/flows/name/anything") == 503  # data routes too; clients retry 503
        server.wait_for("/ready", timeout=20)  # the lock is released when psql exits
        assert holder.poll() is not None, "ready before the lock holder finished"
    finally:
        holder.kill()
        holder.wait()


def test_migrate_on_start_false_waits_for_the_upgrade(praetor_factory, postgres_db):
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url,
           "PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false"}
    waiting = praetor_factory(env=env)
    waiting.spawn().wait_for("/health")
    deadline = time.monotonic() + 5
    while "praetor server database upgrade" not in waiting.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "praetor server database upgrade" in waiting.log_text()
    assert waiting.status("/ready") == 503
    # Another process migrates (here: a replica with migrate-on-start on); the waiting one serves.
    praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}).start()
    waiting.wait_for("/ready", timeout=10)


def _refuses_newer(praetor_factory, env, add_future_version) -> None:
    first = praetor_factory(env=env).start()
    first.terminate()
    add_future_version()
    second = praetor_factory(env=env).spawn()
    code = second.proc.wait(timeout=20)
    assert code != 0
    text = second.log_text()
    match = re.search(r"schema is at version 999 but this praetor binary knows only up to version (\d+)", text)
    assert match, text[-2000:]


def test_newer_schema_is_refused_on_postgres(praetor_factory, postgres_db):
    _refuses_newer(praetor_factory, {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url},
                   lambda: postgres_db.psql("INSERT INTO praetor_schema_version(version, name) VALUES (999, 'x')"))


def test_newer_schema_is_refused_on_sqlite(praetor_factory, tmp_path):
    def add():
        with sqlite3.connect(tmp_path / "praetor.db") as c:
            c.execute("INSERT INTO praetor_schema_version(version, name) VALUES (999, 'x')")
    _refuses_newer(praetor_factory, {}, add)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill9_during_startup_then_restart_completes(praetor_factory, tmp_path, backend, request):
    env = {}
    if backend == "postgres":
        db = request.getfixturevalue("postgres_db")
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = db.url
    # Kill at increasing delays so some kills land mid-migration.
    for delay in (0.0, 0.005, 0.01, 0.02, 0.04, 0.08):
        p = praetor_factory(env=env).spawn()
        time.sleep(delay)
        p.kill9()
    server = praetor_factory(env=env).start(timeout=30)
    created = httpx.post(f"{server.api_url}/flows/", json={"name": "after-kills"})
    assert created.status_code == 201, created.text
    if backend == "postgres":
        newest = newest_version(db)
        assert db.psql("SELECT count(*) FROM praetor_schema_version") == str(newest)
    else:
        with sqlite3.connect(tmp_path / "praetor.db") as c:
            versions = [v for (v,) in c.execute("SELECT version FROM praetor_schema_version ORDER BY version")]
        assert versions == list(range(1, len(versions) + 1))


def test_sqlite_backup_before_a_migration_that_changes_something(praetor_factory, tmp_path):
    first = praetor_factory().start()
    assert httpx.post(f"{first.api_url}/flows/", json={"name": "kept"}).status_code == 201
    first.terminate()
    assert not list(tmp_path.glob("praetor.db.*.backup")), "no backup for a fresh database"
    # Step the schema back one version, as the previous release left it.
    with sqlite3.connect(tmp_path / "praetor.db") as c:
        newest = c.execute("SELECT max(version) FROM praetor_schema_version").fetchone()[0]
    dump = subprocess.run([BINARY, "server", "database", "upgrade", "--dry-run"], capture_output=True, text=True,
                          env=_env(tmp_path))
    assert "nothing to upgrade" in dump.stdout
    # Undo the newest migration by hand with its down step and forget its version row.
    # The SQLite override when there is one, else the portable file (migrations from 0012 on).
    down_sql = next(f for folder in ("sqlite", "common")
                    for f in (ROOT / "src/store/migrations" / folder).glob(f"{newest:04d}_*.down.sql")).read_text()
    with sqlite3.connect(tmp_path / "praetor.db") as c:
        c.executescript(down_sql)
        c.execute("DELETE FROM praetor_schema_version WHERE version = ?", (newest,))
        previous = c.execute("SELECT max(version) FROM praetor_schema_version").fetchone()[0]
    second = praetor_factory().start()
    backups = list(tmp_path.glob(f"praetor.db.v{previous}-*.backup"))
    assert len(backups) == 1, list(tmp_path.iterdir())
    assert str(backups[0]) in second.log_text()
    with sqlite3.connect(backups[0]) as b:
        assert b.execute("SELECT max(version) FROM praetor_schema_version").fetchone()[0] == previous
        assert b.execute("SELECT count(*) FROM flow WHERE name = 'kept'").fetchone()[0] == 1
    assert httpx.get(f"{second.api_url}/flows/name/kept").status_code == 200


def _env(home) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    return env


def test_database_cli_current_history_upgrade_backup(tmp_path):
    env = _env(tmp_path)

    def run(*args):
        return subprocess.run([BINARY, "server", "database", *args], capture_output=True, text=True, env=env)

    assert "current schema version: 0" in run("current").stdout
    dry = run("upgrade", "--dry-run", "-r", "1")
    assert "-- migration 1" in dry.stdout and "CREATE TABLE flow" in dry.stdout
    assert run("upgrade", "-y", "-r", "2").returncode == 0
    history = run("history").stdout
    assert re.search(r"0002_flow_runs +expand +applied", history) and "pending" in history
    up = run("upgrade", "-y")
    assert up.returncode == 0 and "backed up the database (schema version 2) to" in up.stdout
    assert "up to date" in run("current").stdout
    backup = run("backup")
    assert backup.returncode == 0 and backup.stdout.strip().endswith(".backup")
    with sqlite3.connect(backup.stdout.strip()) as b:
        assert b.execute("SELECT count(*) FROM praetor_schema_version").fetchone()[0] >= 3
