"""`praetor server database import --from <Prefect database>` (issue 15): Prefect's own server
(the pinned package) is filled through the SDK and CLI (prefect_dataset.py: flows run with
a retry, a subflow, a failure and logs; a work pool and queue; variables; a global and a tag
limit; a deployment with two schedules and parameters), read back through the SDK and
stopped; its database is imported into Praetor's, twice (the second copies nothing); Praetor
then answers the same SDK reads with the same objects (ids, names, states and their
histories, timestamps, schedules, parameters, logs), and Prefect's database is unchanged."""

import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

from conftest import BINARY, ROOT, PostgresDatabase, free_port, postgres_cluster_url
from local_servers import wait_until_serving

PYTHON = str(ROOT / ".venv/bin/python")
PREFECT = str(ROOT / ".venv/bin/prefect")
DATASET = str(Path(__file__).with_name("prefect_dataset.py"))
# Scheduled runs would differ by when each server's scheduler ran: both leave them alone.
NO_SCHEDULING = {"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                 "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false"}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def dataset(command: str, api_url: str, home: Path) -> str:
    out = subprocess.run([PYTHON, DATASET, command], env=clean_env(PREFECT_API_URL=api_url, PREFECT_HOME=str(home)),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def fill_prefect(database_url: str, tmp_path: Path) -> dict:
    """Runs Prefect's server on `database_url`, fills it, returns its SDK reads, stops it."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(tmp_path / "prefect-server.log", "wb")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=clean_env(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_UI_ENABLED="false",
                      PREFECT_SERVER_DATABASE_CONNECTION_URL=database_url, **NO_SCHEDULING),
        stdout=log, stderr=subprocess.STDOUT)
    try:
        def alive():
            assert server.poll() is None, (tmp_path / "prefect-server.log").read_text()[-3000:]
        wait_until_serving(api_url, alive, 120)
        dataset("fill", api_url, tmp_path / "client-home")
        return json.loads(dataset("read", api_url, tmp_path / "client-home"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def praetor_import(source_url: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    out = subprocess.run([BINARY, "server", "database", "import", "--from", source_url, *args], env=clean_env(**env),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def counts(import_output: str) -> dict[str, list[int]]:
    """table → [in Prefect, copied, already there, in Praetor] from the final table."""
    table = import_output.split("in Praetor\n", 1)[1].split("\n\n", 1)[0]
    return {line.split()[0]: [int(n) for n in line.split()[1:]] for line in table.splitlines()}


def import_twice_and_compare(source_url: str, expected: dict, praetor_env: dict[str, str], praetor_factory) -> str:
    """Returns the second import's output."""
    first = counts(praetor_import(source_url, praetor_env, "--events").stdout)
    for table, (in_prefect, copied, already, in_praetor) in first.items():
        assert copied + already == in_prefect and in_praetor >= in_prefect, (table, first)
    assert first["flow_run"][1] == len(expected["flow_runs"]) and first["log"][1] > 0, first
    second = praetor_import(source_url, praetor_env)
    again = counts(second.stdout)
    assert all(c[1] == 0 for c in again.values()), again  # nothing copied twice
    assert "tables not copied:" in second.stdout  # named, with a reason
    assert "copied only when asked (--events)" in second.stdout

    server = praetor_factory(env=praetor_env | NO_SCHEDULING).start(timeout=30)
    home = Path(praetor_env["PREFECT_HOME"])
    got = json.loads(dataset("read", server.api_url, home / "client-home"))
    assert server.terminate() == 0
    # Both answers stay beside the test's data for a look when they differ.
    (home / "prefect-read.json").write_text(json.dumps(expected, indent=1, sort_keys=True))
    (home / "praetor-read.json").write_text(json.dumps(got, indent=1, sort_keys=True))
    # Prefect's server may record a few more events between the read and its stop.
    got_events = {e["id"]: e for e in got.pop("events")}
    for event in expected.pop("events"):
        assert got_events.get(event["id"]) == event, event
    for key in expected:
        assert sorted(got[key], key=str) == sorted(expected[key], key=str) if isinstance(expected[key], list) \
            else got[key] == expected[key], key
    return second.stdout


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_from_prefect_sqlite(praetor_factory, tmp_path):
    prefect_db = tmp_path / "prefect" / "prefect.db"
    prefect_db.parent.mkdir()
    source_url = f"sqlite+aiosqlite:///{prefect_db}"
    expected = fill_prefect(source_url, tmp_path)
    for key in ("deployments", "task_runs", "logs", "artifacts", "latest_artifacts", "saved_searches", "variables",
                "block_documents", "events", "automations"):
        assert expected[key], key  # the data set reached Prefect's server
    assert any(expected["flow_run_inputs"].values())
    # Prefect's server creates deployment_version but never writes it (a Cloud feature); a
    # row there is listed as not copied, by name.
    with sqlite3.connect(prefect_db) as db:
        db.execute("INSERT INTO deployment_version (id, deployment_id, branch) VALUES (?, ?, 'main')",
                   ("0c9a5a3e-1f6b-4c1e-9d0a-3b8f5e2d7a11", expected["deployments"][0]["id"]))
    db.close()
    before = digest(prefect_db)
    home = tmp_path / "praetor-home"
    output = import_twice_and_compare(source_url, expected, {"PREFECT_HOME": str(home)}, praetor_factory)
    assert "deployment_version (1 rows): Praetor keeps no history of deployment versions" in output
    assert digest(prefect_db) == before


def test_import_from_prefect_postgres_into_praetor_on_postgres(praetor_factory, postgres_db, tmp_path):
    source_url = postgres_db.url
    expected = fill_prefect(source_url, tmp_path)
    before = postgres_db.psql("SELECT count(*) FROM flow_run") + "/" + postgres_db.psql("SELECT count(*) FROM log")
    target = PostgresDatabase(postgres_cluster_url())
    try:
        env = {"PREFECT_HOME": str(tmp_path / "praetor-home"), "PREFECT_SERVER_DATABASE_CONNECTION_URL": target.url}
        import_twice_and_compare(source_url, expected, env, praetor_factory)
        assert target.psql("SELECT count(*) FROM flow_run") == str(len(expected["flow_runs"]))
    finally:
        target.drop()
    after = postgres_db.psql("SELECT count(*) FROM flow_run") + "/" + postgres_db.psql("SELECT count(*) FROM log")
    assert after == before
    assert postgres_db.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'praetor_schema_version'") == "0"
