"""`praetor server database import` reads older Prefect schemas too (issue 15): Prefect's
server fills a database (SQLite, and PostgreSQL) through the SDK and CLI, Prefect's own
migrations then take it down to the schema of prefect 3.2.15 (the oldest client Praetor is
tested with, older than the two minor releases before the pinned one; its own server does
not start beside this virtualenv's packages), and the import copies it: Praetor answers the
same flows, runs with their states, task runs, logs, variables and work pools (columns the
older schema lacks read as absent)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import BINARY, ROOT, free_port
from local_servers import wait_until_serving

BIN = ROOT / ".venv/bin"
# prefect 3.2.15's newest migration, per dialect (Prefect numbers the two apart).
PREFECT_3_2_15_HEAD = {"sqlite": "bbca16f6f218", "postgres": "06b7c293bc69"}

FILL = """
from prefect import flow, task

@task
def double(x):
    return 2 * x

@flow(log_prints=True)
def inner(x):
    print("inner", x)
    return double(x)

@flow(name="old-parent", log_prints=True)
def parent():
    print("parent")
    return inner(2) + double(3)

parent()
"""

READ = """
import json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
with get_client(sync_client=True) as c:
    runs = c.read_flow_runs()
    print(json.dumps({
        "flows": sorted((str(f.id), f.name) for f in c.read_flows()),
        "flow_runs": sorted((str(r.id), r.name, r.state.type.value, str(r.parent_task_run_id), r.run_count,
                             r.start_time.isoformat(), r.end_time.isoformat()) for r in runs),
        "states": sorted((str(r.id), [(str(s.id), s.type.value) for s in c.read_flow_run_states(r.id)]) for r in runs),
        "task_runs": sorted((str(t.id), t.name, t.state.type.value, str(t.flow_run_id)) for t in c.read_task_runs()),
        "logs": sorted(entry.message for entry in c.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs])))),
        "variables": sorted((v.name, json.dumps(v.value)) for v in c.read_variables()),
        "work_pools": sorted((str(p.id), p.name, p.type) for p in c.read_work_pools()),
    }))
"""


def env_for(api_url: str, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_URL=api_url,
               PREFECT_HOME=str(home), **extra)
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_import_from_the_schema_of_prefect_3_2(dialect, praetor_factory, tmp_path, request):
    if dialect == "postgres":
        source_url = request.getfixturevalue("postgres_db").url
    else:
        source_url = f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
    revision = PREFECT_3_2_15_HEAD[dialect]
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    client = env_for(api_url, tmp_path / "client")
    server_env = env_for(api_url, tmp_path / "prefect-home", PREFECT_UI_ENABLED="false",
                         PREFECT_SERVER_DATABASE_CONNECTION_URL=source_url,
                         PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false")
    log = open(tmp_path / "prefect-server.log", "wb")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=server_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def alive():
            assert server.poll() is None, (tmp_path / "prefect-server.log").read_text()[-3000:]
        wait_until_serving(api_url, alive, 120)
        run([str(BIN / "python"), "-c", FILL], client)
        run([str(BIN / "prefect"), "variable", "set", "old_answer", "41"], client)
        run([str(BIN / "prefect"), "work-pool", "create", "old-pool", "--type", "process"], client)
        expected = json.loads(run([str(BIN / "python"), "-c", READ], client))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert expected["flow_runs"] and expected["task_runs"] and expected["logs"]
    run([str(BIN / "prefect"), "server", "database", "downgrade", "-r", revision, "-y"], server_env)

    home = tmp_path / "praetor-home"  # Praetor's own database: SQLite, in its home
    imported = run([BINARY, "server", "database", "import", "--from", source_url], env_for("", home))
    assert f"alembic revision {revision}" in imported and "rows not copied" not in imported, imported

    praetor = praetor_factory(env={"PREFECT_HOME": str(home)}).start(timeout=30)
    got = json.loads(run([str(BIN / "python"), "-c", READ], env_for(praetor.api_url, home / "client")))
    assert praetor.terminate() == 0
    assert got == expected
