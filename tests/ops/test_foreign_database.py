"""Praetor never touches a database that is not its own (issue 15): pointed at Prefect's
database, built by Prefect's own migrations from the pinned package, it refuses to start,
naming what it found and the import command, and leaves the database exactly as it was, on
SQLite (byte for byte, no file created beside it) and on PostgreSQL (table for table, no
table of Praetor's). A prefect.db in PREFECT_HOME beside Praetor's new database is named at
start-up with the same command."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BINARY, ROOT, PostgresDatabase

PREFECT = str(ROOT / ".venv/bin/prefect")
IMPORT_HINT = "praetor server database import --from "


def prefect_env(url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_DATABASE_CONNECTION_URL=url, DO_NOT_TRACK="1",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return env


def prefect_upgrade(url: str, home: Path) -> None:
    """Creates Prefect's schema at `url` with Prefect's own migrations."""
    out = subprocess.run([PREFECT, "server", "database", "upgrade", "-y"], env=prefect_env(url, home),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr


def alembic_revision(sqlite_path: Path) -> str:
    import sqlite3
    with sqlite3.connect(f"file:{sqlite_path}?mode=ro&immutable=1", uri=True) as c:
        return c.execute("SELECT version_num FROM alembic_version").fetchone()[0]


@pytest.fixture(scope="module")
def prefect_sqlite_template(tmp_path_factory) -> Path:
    """One Prefect SQLite database per module (its migrations take a while); tests copy it."""
    base = tmp_path_factory.mktemp("prefect-sqlite")
    path = base / "prefect.db"
    prefect_upgrade(f"sqlite+aiosqlite:///{path}", base / "home")
    return path


def copy_database(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "prefect.db"
    shutil.copyfile(template, target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_praetor(args: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    full.update(PREFECT_HOME=str(home), **env)
    return subprocess.run([BINARY, *args], env=full, capture_output=True, text=True, timeout=60)


def test_prefect_sqlite_database_is_refused_and_left_byte_for_byte(praetor_factory, prefect_sqlite_template, tmp_path):
    db = copy_database(prefect_sqlite_template, tmp_path / "data")
    url = f"sqlite+aiosqlite:///{db}"
    before, files_before = digest(db), sorted(os.listdir(db.parent))

    server = praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}).spawn()
    code = server.proc.wait(timeout=30)
    log = server.log_text()
    assert code != 0, log[-2000:]
    assert f"holds Prefect's schema (alembic revision {alembic_revision(db)}" in log, log[-2000:]
    assert f"`{IMPORT_HINT}{url}`" in log
    assert "has written nothing to it" in log

    # The database commands refuse it as well, before reading anything else.
    for args in (["server", "database", "upgrade", "-y"], ["server", "database", "stamp", "-r", "head"]):
        out = run_praetor(args, {"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}, tmp_path / "home")
        assert out.returncode == 1, out.stdout + out.stderr
        assert "holds Prefect's schema" in out.stderr

    assert digest(db) == before
    assert sorted(os.listdir(db.parent)) == files_before  # no -wal, -shm or backup beside it


def test_prefect_postgres_database_is_refused_and_left_table_for_table(praetor_factory, postgres_db, tmp_path):
    db = postgres_db
    prefect_upgrade(db.url, tmp_path / "prefect-home")
    before = table_contents(db)
    assert "public.alembic_version" in before and "public.flow_run" in before

    server = praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": db.url}).spawn()
    code = server.proc.wait(timeout=30)
    log = server.log_text()
    assert code != 0, log[-2000:]
    revision = db.psql("SELECT version_num FROM alembic_version")
    assert f"holds Prefect's schema (alembic revision {revision}" in log, log[-2000:]
    assert f"`{IMPORT_HINT}{db.url}`" in log

    out = run_praetor(["server", "database", "upgrade", "-y"], {"PREFECT_SERVER_DATABASE_CONNECTION_URL": db.url},
                      tmp_path / "home")
    assert out.returncode == 1 and "holds Prefect's schema" in out.stderr, out.stdout + out.stderr

    assert table_contents(db) == before
    assert db.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'praetor_schema_version'") == "0"


def table_contents(db: PostgresDatabase) -> dict[str, str]:
    """schema.table → a digest of its rows, for every table outside the system schemas."""
    names = db.psql("SELECT schemaname || '.' || tablename FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1").split()
    digests = db.psql(" UNION ALL ".join(
        f"SELECT '{n}' || ':' || count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
        f"FROM {n} t" for n in names)).splitlines()
    return dict(line.split(":", 1) for line in digests)


def test_prefect_database_in_prefect_home_is_named_at_start_up(praetor_factory, prefect_sqlite_template, tmp_path):
    prefect_db = copy_database(prefect_sqlite_template, tmp_path)  # PREFECT_HOME is tmp_path
    before = digest(prefect_db)
    server = praetor_factory().start(timeout=30)
    log = server.log_text()
    assert f"PREFECT_HOME holds Prefect's database {prefect_db}" in log, log[-2000:]
    assert f"`{IMPORT_HINT}sqlite+aiosqlite:///{prefect_db}`" in log
    assert server.status("/ready") == 200  # the server still starts, on its own praetor.db
    assert (tmp_path / "praetor.db").exists()
    assert server.terminate() == 0
    assert digest(prefect_db) == before
