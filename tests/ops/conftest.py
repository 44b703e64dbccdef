"""Operations tests: several processes, signals, restarts. Each test starts its own
praetor processes on free loopback ports with its own PREFECT_HOME."""

import os
import sys
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from local_servers import ROOT, ScratchPostgresDatabase, free_port, postgres_cluster_url  # noqa: E402,F401

BINARY = os.environ.get("PRAETOR_BINARY", str(ROOT / "build/release/src/cli/praetor"))


class Praetor:
    def __init__(self, home: Path, port: int | None = None, env: dict[str, str] | None = None):
        self.home = home
        self.extra_env = env or {}
        self.port = port or free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None
        self.log_path = home / f"praetor-{self.port}.log"

    def spawn(self) -> "Praetor":
        """Starts the process without waiting for anything."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(self.home)
        env.update(self.extra_env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def status(self, path: str) -> int | None:
        """HTTP status of GET path, or None when nothing answers."""
        try:
            with urllib.request.urlopen(f"{self.api_url}{path}", timeout=2) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def wait_for(self, path: str, timeout: float = 15) -> "Praetor":
        """Waits until GET path answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            assert self.proc.poll() is None, f"praetor exited early: {self.log_text()[-2000:]}"
            if self.status(path) == 200:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"praetor did not answer 200 on {path}: {self.log_text()[-2000:]}")

    def start(self, timeout: float = 15, wait: str = "/ready") -> "Praetor":
        """Starts and waits until `wait` answers 200 (/ready: the database is usable)."""
        return self.spawn().wait_for(wait, timeout)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.log.close()
        return code


class PostgresDatabase(ScratchPostgresDatabase):
    """A fresh database on the test cluster; `url` in Prefect's asyncpg form, `libpq_url`
    for psql."""

    def __init__(self, cluster: str):
        super().__init__(cluster, "ops")
        self.libpq_url = self.url
        self.url = self.libpq_url.replace("postgresql://", "postgresql+asyncpg://", 1)

    def psql(self, sql: str) -> str:
        return subprocess.run(["psql", self.libpq_url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def postgres_db():
    cluster = postgres_cluster_url()
    if not cluster:
        pytest.skip("no PostgreSQL test cluster: run scripts/pg.sh start or set PRAETOR_PG_URL")
    db = PostgresDatabase(cluster)
    yield db
    db.drop()


@pytest.fixture
def praetor_factory(tmp_path):
    started: list[Praetor] = []

    def make(port: int | None = None, env: dict[str, str] | None = None) -> Praetor:
        p = Praetor(tmp_path, port, env)
        started.append(p)
        return p

    yield make
    for p in started:
        if p.proc is not None and p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()
