"""Compatibility suite: the unmodified, pinned `prefect` package against a real server.

The server is started once per test session, before `prefect` is imported, and the
process environment is pointed at it (PREFECT_API_URL, a private PREFECT_HOME).

PRAETOR_COMPAT_TARGET selects the server:
  praetor (default)  the binary at PRAETOR_BINARY (build/release/src/cli/praetor)
  prefect            Prefect's own server from the same virtualenv, proving that the
                     tests test Prefect's behaviour rather than our quirks.

PRAETOR_COMPAT_DB selects praetor's database: sqlite (default) or postgres. With postgres
each session gets a fresh database on the cluster PRAETOR_PG_URL names (default: the one
`scripts/pg.sh start` runs), dropped afterwards.
"""

import base64
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from local_servers import (ROOT, ScratchPostgresDatabase, free_port,  # noqa: E402
                           postgres_cluster_url, stop_process, wait_until_serving)

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
DB = os.environ.get("PRAETOR_COMPAT_DB", "sqlite")


def _scratch_postgres_database() -> ScratchPostgresDatabase:
    cluster = postgres_cluster_url()
    if not cluster:
        raise RuntimeError("PRAETOR_COMPAT_DB=postgres needs a cluster: run scripts/pg.sh start or set PRAETOR_PG_URL")
    return ScratchPostgresDatabase(cluster, "compat")


class Server:
    """A running server process; `api_url` ends in /api."""

    def __init__(self, target: str, extra_env: dict[str, str] | None = None, after: "Server | None" = None):
        """`after`: a stopped server whose home and database this one takes over (a restart)."""
        self.target = target
        self.workdir = after.workdir if after else Path(tempfile.mkdtemp(prefix=f"compat-{target}-"))
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = self.workdir / f"server-{self.port}.log" if after else self.workdir / "server.log"
        self.database: ScratchPostgresDatabase | None = None
        if after is not None:
            self.database, after.database = after.database, None
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["DO_NOT_TRACK"] = "1"
        env["PREFECT_HOME"] = str(self.workdir / "server-home")
        if target == "praetor":
            binary = os.environ.get("PRAETOR_BINARY", str(ROOT / "build/release/src/cli/praetor"))
            cmd = [binary, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
            startup = 15
            # The data files Prefect's server carries (worker views, …) come from the client's
            # own prefect package, found without importing it.
            env.setdefault("PRAETOR_PREFECT_PACKAGE_DIR", str(Path(importlib.util.find_spec("prefect").origin).parent))
            if DB == "postgres":
                self.database = self.database or _scratch_postgres_database()
                env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = self.database.url.replace(
                    "postgresql://", "postgresql+asyncpg://", 1)
            elif DB != "sqlite":
                raise ValueError(f"unknown PRAETOR_COMPAT_DB {DB!r}")
        elif target == "prefect":
            env.update(
                PREFECT_SERVER_ANALYTICS_ENABLED="false",
                PREFECT_UI_ENABLED="false",
                PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{self.workdir}/prefect.db",
                # Prefect streams logs over /logs/out only with these on (both default off);
                # Praetor always does.
                PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED="true",
                PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED="true",
                # The UI's API URL defaults to PREFECT_SERVER_API_PORT's, not to --port's.
                PREFECT_UI_API_URL=self.api_url,
            )
            prefect = str(Path(sys.executable).parent / "prefect")
            cmd = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
            startup = 90
        else:
            raise ValueError(f"unknown PRAETOR_COMPAT_TARGET {target!r}")
        env.update(extra_env or {})  # a test's settings win over the target's defaults
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        auth = env.get("PREFECT_SERVER_API_AUTH_STRING")
        self.auth_headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
        try:
            wait_until_serving(self.api_url, self._check_alive, startup, headers=self.auth_headers)
        except BaseException:
            self.proc.kill()  # a server that never served is not left running
            self.proc.wait()
            raise

    def _check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited with code {self.proc.returncode} before serving")

    def stop(self, keep_database: bool = False) -> None:
        """`keep_database`: leave it for a server started `after` this one (a restart)."""
        stop_process(self.proc)
        self.log.close()
        if self.database is not None and not keep_database:
            self.database.drop()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


_server: Server | None = None


def pytest_configure(config):
    global _server
    # scripts/test.sh also runs a subset of this suite with an older 3.x client (.venv-old,
    # -m "not new_client"); tests that need a newer client carry this mark.
    config.addinivalue_line("markers", "new_client: needs a prefect client newer than the old-client job's")
    if hasattr(config, "workerinput"):
        return
    _server = Server(TARGET)
    client_home = _server.workdir / "client-home"
    os.environ["PREFECT_HOME"] = str(client_home)
    os.environ["PREFECT_API_URL"] = _server.api_url
    os.environ["PREFECT_LOGGING_TO_API_BATCH_INTERVAL"] = "0.2"
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"  # no SDK telemetry from tests or CLI subprocesses
    os.environ.pop("PREFECT_PROFILES_PATH", None)


def pytest_unconfigure(config):
    if _server is not None:
        failed = config.pluginmanager.get_plugin("terminalreporter")
        _server.stop()
        if failed is not None and failed.stats.get("failed"):
            sys.stderr.write(f"\n--- server log ({_server.log_path}) tail ---\n")
            sys.stderr.write(_server.log_text()[-6000:])
        shutil.rmtree(_server.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Server:
    assert _server is not None
    return _server


@pytest.fixture(scope="session")
def api_url(server) -> str:
    return server.api_url


@pytest.fixture
def http(api_url):
    """An HTTP client on the server's API URL that retries 503s as the SDK does."""
    from scenarios import http_client

    with http_client(api_url) as client:
        yield client


@pytest.fixture
def dedicated_server():
    """Starts servers of the selected target with extra environment (per-test settings);
    stops them when the test ends. Call it with a dict of PREFECT_* variables, and `after=` a
    stopped one to restart on its data."""
    started: list[Server] = []

    def start(extra_env: dict[str, str], after: Server | None = None) -> Server:
        srv = Server(TARGET, extra_env, after)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
        shutil.rmtree(srv.workdir, ignore_errors=True)


@pytest.fixture
def prefect_cli(server):
    """Runs the `prefect` CLI of the virtualenv against the server; returns CompletedProcess."""
    exe = str(Path(sys.executable).parent / "prefect")

    def run(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env["COLUMNS"] = "250"
        proc = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"prefect {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run
