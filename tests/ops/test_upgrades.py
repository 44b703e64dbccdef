"""Upgrades, downgrades and rollbacks (DESIGN.md §5, docs/upgrading.md): the database CLI
(upgrade/downgrade/reset/stamp with -y, --dry-run and relative revisions; refusal without a
terminal), PostgreSQL dumps before a migration (and a failed dump stopping it), kill -9
provably inside a migration's transaction at several points on both backends, and a
rolling upgrade: the current binary serving a schema one expand-only version ahead.

The rolling-upgrade test simulates "the next release's expand migration" by applying, by
hand, what such a migration may do (a nullable column, a new table, its version row with
the floor a binary records) rather than building an older commit: the property under test
is the binary's side of the contract (serve a newer schema whose floor it meets, refuse
one behind a contract migration), and the lint unit test holds real migrations to it."""

import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from conftest import BINARY, PostgresDatabase, postgres_cluster_url

BACKENDS = ["sqlite", "postgres"]


class Backend:
    """One database under test: the env that points praetor at it, and SQL access to it."""

    def __init__(self, kind: str, home: Path, pg: PostgresDatabase | None):
        self.kind, self.home, self.pg = kind, home, pg
        self.env = {"PREFECT_HOME": str(home)}
        if pg:
            self.env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = pg.url

    def sql(self, query: str) -> str:
        """Runs one statement; the first column of each row, '|'-joined columns, newline-joined rows."""
        if self.pg:
            return self.pg.psql(query)
        with sqlite3.connect(self.home / "praetor.db") as c:
            rows = c.execute(query).fetchall()
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)

    def version(self) -> int:
        if not self.table_exists("praetor_schema_version"):
            return 0
        return int(self.sql("SELECT COALESCE(max(version), 0) FROM praetor_schema_version"))

    def table_exists(self, name: str) -> bool:
        if self.pg:
            return self.sql(f"SELECT to_regclass('{name}') IS NOT NULL") == "t"
        return self.sql(f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'") == "1"

    def schema(self) -> list[str]:
        """The schema as sorted lines (tables, columns, indexes), the version table aside."""
        if self.pg:
            text = self.sql(
                "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable FROM "
                "information_schema.columns WHERE table_schema = current_schema() "
                "UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        else:
            text = self.sql("SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master "
                            "WHERE name NOT LIKE 'sqlite_%'")
        return sorted(line for line in text.splitlines() if "praetor_schema_version" not in line)

    def cli(self, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and not k.startswith("PRAETOR_SERVER")}
        env.update(self.env)
        env.update(extra_env or {})
        return subprocess.run([BINARY, "server", "database", *args], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=60)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "postgres":
        db = request.getfixturevalue("postgres_db")
        return Backend("postgres", tmp_path, db)
    return Backend("sqlite", tmp_path, None)


def _server_env(b: Backend, **extra: str) -> dict:
    env = {k: v for k, v in b.env.items() if k != "PREFECT_HOME"}
    env.update(extra)
    return env


def _wait_for_log(p, needle: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while needle not in p.log_text():
        assert p.proc.poll() is None, f"praetor exited early: {p.log_text()[-2000:]}"
        assert time.monotonic() < deadline, f"no {needle!r} in: {p.log_text()[-2000:]}"
        time.sleep(0.02)


def _compat_basics(api_url: str, name: str) -> None:
    """create flow, create run, set_state: what an older worker or SDK does first."""
    flow = httpx.post(f"{api_url}/flows/", json={"name": name})
    assert flow.status_code in (200, 201), flow.text
    run = httpx.post(f"{api_url}/flow_runs/", json={"flow_id": flow.json()["id"], "name": f"{name}-run"})
    assert run.status_code == 201, run.text
    for state in ("RUNNING", "COMPLETED"):
        moved = httpx.post(f"{api_url}/flow_runs/{run.json()['id']}/set_state", json={"state": {"type": state}})
        assert moved.status_code == 201 and moved.json()["status"] == "ACCEPT", moved.text
    read = httpx.get(f"{api_url}/flow_runs/{run.json()['id']}")
    assert read.json()["state"]["type"] == "COMPLETED"


def test_database_cli_downgrade_reset_stamp(backend, praetor_factory):
    b = backend
    server = praetor_factory(env=_server_env(b)).start(timeout=30)
    assert httpx.post(f"{server.api_url}/flows/", json={"name": "kept"}).status_code == 201
    server.terminate()
    newest = b.version()
    assert newest >= 4

    # Without -y and without a terminal, destructive commands refuse and change nothing.
    for args in (["downgrade", "-r", "-1"], ["reset"]):
        refused = b.cli(*args)
        assert refused.returncode != 0 and "pass -y/--yes" in refused.stderr, (args, refused.stderr)
    assert b.version() == newest

    # --dry-run prints the down steps' SQL, newest first, and changes nothing.
    dry = b.cli("downgrade", "-r", "-2", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.index(f"-- down step of migration {newest} ") < dry.stdout.index(f"-- down step of migration {newest - 1} ")
    assert "DROP " in dry.stdout and b.version() == newest

    # A relative downgrade takes a backup first and says where.
    down = b.cli("downgrade", "-y", "-r", "-1")
    assert down.returncode == 0, down.stderr
    match = re.search(r"backed up the database \(schema version (\d+)\) to (\S+)", down.stdout)
    assert match and int(match.group(1)) == newest and Path(match.group(2)).stat().st_size > 0, down.stdout
    assert b.version() == newest - 1
    assert f"downgraded to schema version {newest - 1}" in down.stdout
    assert "pending" in b.cli("history").stdout
    refused = b.cli("upgrade")
    assert refused.returncode != 0 and "pass -y/--yes" in refused.stderr and b.version() == newest - 1

    # An absolute one, then back up: the rows of the tables it kept are still there.
    assert b.cli("downgrade", "-y", "--revision", "2").returncode == 0
    assert b.version() == 2 and not b.table_exists("task_run")
    up = b.cli("upgrade", "-y")
    assert up.returncode == 0 and f"upgraded to schema version {newest}" in up.stdout, up.stderr
    assert b.sql("SELECT count(*) FROM flow WHERE name = 'kept'") == "1"

    # stamp records a version and runs nothing; stamping back restores the record.
    assert b.cli("stamp", "-r", "1").returncode == 0 and b.version() == 1
    assert b.table_exists("task_run")
    assert b.cli("stamp", "-r", "head").returncode == 0 and b.version() == newest

    # reset drops everything (after a backup) and creates it again, empty.
    reset = b.cli("reset", "-y")
    assert reset.returncode == 0, reset.stderr
    assert "backed up the database" in reset.stdout and f"reset to schema version {newest}" in reset.stdout
    assert b.sql("SELECT count(*) FROM flow") == "0" and b.version() == newest
    server = praetor_factory(env=_server_env(b)).start(timeout=30)
    _compat_basics(server.api_url, "after-reset")


def test_postgres_dump_before_migrating(praetor_factory, postgres_db, tmp_path):
    b = Backend("postgres", tmp_path, postgres_db)
    server = praetor_factory(env=_server_env(b)).start(timeout=30)
    assert httpx.post(f"{server.api_url}/flows/", json={"name": "dumped"}).status_code == 201
    server.terminate()
    newest = b.version()
    assert not (tmp_path / "backups").exists(), "a fresh database needs no dump"
    assert b.cli("downgrade", "-y", "-r", "-1").returncode == 0
    dumps_before = set((tmp_path / "backups").glob("*.dump"))

    # The server's migration on start dumps first (default pg_dump) and logs where.
    server = praetor_factory(env=_server_env(b)).start(timeout=60)
    new = set((tmp_path / "backups").glob("*.dump")) - dumps_before
    assert len(new) == 1, list((tmp_path / "backups").iterdir())
    dump = new.pop()
    assert dump.name.startswith(f"{postgres_db.name}-v{newest - 1}-") and oct(dump.stat().st_mode & 0o777) == "0o600"
    assert f"backed up the database (schema version {newest - 1}) to {dump}" in server.log_text()
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE public flow " in listing
    server.terminate()

    # A failing dump command stops the migration: the server exits, saying why, schema unchanged.
    assert b.cli("downgrade", "-y", "-r", "-1").returncode == 0
    failing = praetor_factory(env=_server_env(b, PRAETOR_SERVER_DATABASE_BACKUP_COMMAND="echo no space left >&2; exit 3"))
    code = failing.spawn().proc.wait(timeout=30)
    assert code != 0
    assert "exited with status 3: no space left" in failing.log_text()
    assert "PRAETOR_SERVER_DATABASE_BACKUP_ENABLED=false" in failing.log_text()
    assert b.version() == newest - 1

    # The CLI says the same, and a custom command (the connection in PG* variables) works.
    cli_fail = b.cli("upgrade", "-y", extra_env={"PRAETOR_SERVER_DATABASE_BACKUP_COMMAND": "false"})
    assert cli_fail.returncode != 0 and "the backup command `false` exited with status 1" in cli_fail.stderr
    folder = tmp_path / "custom-backups"
    custom = b.cli("backup", extra_env={"PRAETOR_SERVER_DATABASE_BACKUP_COMMAND": "pg_dump --format=plain",
                                        "PRAETOR_SERVER_DATABASE_BACKUP_DIR": str(folder)})
    assert custom.returncode == 0, custom.stderr
    assert Path(custom.stdout.strip()).parent == folder and "CREATE TABLE public.flow" in Path(custom.stdout.strip()).read_text()

    # Skipping backups is a setting; the migration then runs and logs that no backup was taken.
    skipped = praetor_factory(env=_server_env(b, PRAETOR_SERVER_DATABASE_BACKUP_ENABLED="false")).start(timeout=30)
    assert "without a backup" in skipped.log_text() and b.version() == newest
    assert httpx.get(f"{skipped.api_url}/flows/name/dumped").status_code == 200


def _delay_env(b: Backend) -> dict:
    return _server_env(b, PRAETOR_TEST_MIGRATION_DELAY_MS="20000")


def test_kill9_inside_a_migration_transaction(backend, praetor_factory, tmp_path):
    b = backend
    # A reference database migrated without interruption, for the schema comparison.
    if b.pg:
        ref_db = PostgresDatabase(postgres_cluster_url())
        ref = Backend("postgres", tmp_path / "ref", ref_db)
    else:
        ref_db, ref = None, Backend("sqlite", tmp_path / "ref", None)
    (tmp_path / "ref").mkdir()
    try:
        assert ref.cli("upgrade", "-y").returncode == 0
        newest = ref.version()

        # 1. Before the first migration commits: an empty database stays empty.
        p = praetor_factory(env=_delay_env(b)).spawn()
        _wait_for_log(p, "inside the transaction of migration 1 ")
        p.kill9()
        assert b.version() == 0 and not b.table_exists("flow")

        server = praetor_factory(env=_server_env(b)).start(timeout=30)
        for i in range(3):
            _compat_basics(server.api_url, f"before-upgrade-{i}")
        server.terminate()
        counts = {t: b.sql(f"SELECT count(*) FROM {t}") for t in ("flow", "flow_run", "flow_run_state")}
        assert counts["flow"] == "3"

        # 2. Mid-sequence: from version 3, killed inside migration 4.
        assert b.cli("downgrade", "-y", "-r", "3").returncode == 0
        p = praetor_factory(env=_delay_env(b)).spawn()
        _wait_for_log(p, "inside the transaction of migration 4 ")
        p.kill9()
        assert b.version() == 3 and not b.table_exists("log")

        # 3. Inside the last migration.
        assert b.cli("upgrade", "-y", "-r", str(newest - 1)).returncode == 0
        p = praetor_factory(env=_delay_env(b)).spawn()
        _wait_for_log(p, f"inside the transaction of migration {newest} ")
        p.kill9()
        assert b.version() == newest - 1

        # 4. Inside a down step: the downgrade is all-or-nothing too.
        down = subprocess.Popen([BINARY, "server", "database", "downgrade", "-y", "-r", "2"],
                                env={**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
                                     **b.env, "PRAETOR_TEST_MIGRATION_DELAY_MS": "20000"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        seen = ""
        while "inside the transaction of the down step of migration" not in seen:
            assert time.monotonic() < deadline and down.poll() is None, seen
            seen += down.stderr.readline()
        down.kill()
        down.wait()
        assert b.version() == newest - 1

        # Restart: the schema is complete and identical to the reference; nothing was lost.
        server = praetor_factory(env=_server_env(b)).start(timeout=30)
        assert b.version() == newest
        assert b.sql("SELECT count(*) FROM praetor_schema_version") == str(newest)
        assert b.schema() == ref.schema()
        assert {t: b.sql(f"SELECT count(*) FROM {t}") for t in counts} == counts
        assert b.sql("SELECT count(*) FROM flow_run WHERE state_type = 'COMPLETED'") == "3"
        _compat_basics(server.api_url, "after-kills")
    finally:
        if ref_db:
            ref_db.drop()


def test_rolling_upgrade_serves_a_schema_one_expand_only_version_ahead(backend, praetor_factory):
    b = backend
    server = praetor_factory(env=_server_env(b)).start(timeout=30)
    _compat_basics(server.api_url, "on-schema-n")
    server.terminate()
    newest = b.version()
    floor = int(b.sql(f"SELECT compatible_from FROM praetor_schema_version WHERE version = {newest}"))

    # The next release's expand migration, applied by that release: additive changes and
    # its version row with the floor it records (unchanged: expand-only).
    b.sql("ALTER TABLE flow_run ADD COLUMN future_note TEXT")
    b.sql("CREATE TABLE future_thing (id TEXT PRIMARY KEY, note TEXT)")
    b.sql(f"INSERT INTO praetor_schema_version(version, name, compatible_from) "
          f"VALUES ({newest + 1}, '{newest + 1:04d}_future_expand', {floor})")

    # This binary (one version behind) still serves it, with or without migrate-on-start.
    for extra in ({}, {"PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false"}):
        older = praetor_factory(env=_server_env(b, **extra)).start(timeout=30)
        _compat_basics(older.api_url, f"n-minus-1-{len(extra)}")
        older.terminate()
    assert "newer than this binary" in b.cli("current").stdout
    assert b.version() == newest + 1

    # A contract migration raises the floor past this binary: it refuses, naming both versions.
    b.sql(f"UPDATE praetor_schema_version SET compatible_from = {newest + 1} WHERE version = {newest + 1}")
    refused = praetor_factory(env=_server_env(b))
    assert refused.spawn().proc.wait(timeout=30) != 0
    assert (f"schema is at version {newest + 1} but this praetor binary knows only up to version {newest} "
            f"and that schema needs a binary of version {newest + 1} or newer") in refused.log_text()
