"""Shared pieces of the benchmark: server processes, /proc sampling, a keep-alive JSON client.

A workload module (bench/workloads/wN_*.py) receives a running `Server` (or starts its own,
see `Server(kind, data_dir=...)`) and returns a flat dict of numbers; bench.py puts them in
the report.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests/support"))
from local_servers import (ROOT, ScratchPostgresDatabase, free_port,  # noqa: E402
                           postgres_cluster_url, wait_until_serving)

PRAETOR = ROOT / "build/release/src/cli/praetor"
BENCH_BIN = ROOT / "build/release/bench"
PYTHON = Path(sys.executable)
PREFECT = PYTHON.parent / "prefect"
KINDS = ("praetor", "prefect")


def postgres_cluster() -> str | None:
    """URL of the PostgreSQL cluster for the PostgreSQL column (PRAETOR_PG_URL, else the
    cluster scripts/pg.sh runs); None when neither is reachable."""
    url = postgres_cluster_url()
    if not url:
        return None
    ok = subprocess.run(["psql", url, "-qAtc", "SELECT 1"], capture_output=True, text=True)
    return url if ok.returncode == 0 else None


def postgres_settings(cluster: str) -> dict[str, str]:
    """The cluster settings that decide what a commit costs."""
    out = {}
    for name in ("fsync", "synchronous_commit", "full_page_writes"):
        r = subprocess.run(["psql", cluster, "-qAtc", f"SHOW {name}"], capture_output=True, text=True)
        out[name] = r.stdout.strip() or "?"
    return out


@dataclass(frozen=True)
class Config:
    """Run sizes. `quick` keeps the whole run to about 4 minutes; the full run under 23."""

    quick: bool
    started: float = field(default_factory=time.monotonic)

    def pick(self, quick, full):
        return quick if self.quick else full

    def seconds_left(self) -> float:
        """What is left of the whole run's budget (4 minutes quick, 23 minutes full, with a margin):
        W4 loads rows for what is left, so longer W1/W5 windows would otherwise shrink its M."""
        return self.pick(230.0, 1350.0) - (time.monotonic() - self.started)


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_rss_mb(root: int) -> float:
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def tree_cpu_seconds(root: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / ticks


class Server:
    """One server process on its own loopback port and SQLite file under `data_dir`, or with
    `postgres` (a cluster URL) on a fresh database of that cluster, dropped by stop().

    A fresh temporary directory unless `data_dir` is given (W4 starts a server on a database
    it filled itself); `stop(keep=True)` leaves the directory in place. `extra_env` adds
    PREFECT_* settings (W6 sets the scheduler's).
    """

    def __init__(self, kind: str, data_dir: Path | None = None, postgres: str | None = None,
                 extra_env: dict[str, str] | None = None):
        self.kind = kind
        self.database = ScratchPostgresDatabase(postgres, f"bench_{kind}") if postgres else None
        self.dir = data_dir or Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
        self.db_path = self.dir / ("praetor.db" if kind == "praetor" else "prefect.db")
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(self.dir / "home")
        env.update(extra_env or {})
        pg_url = self.database.url.replace("postgresql://", "postgresql+asyncpg://", 1) if self.database else None
        if kind == "praetor":
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = pg_url or f"sqlite:///{self.db_path}"
            cmd = [str(PRAETOR), "server", "start", "--port", str(self.port)]
        else:
            env.update(PREFECT_UI_ENABLED="false", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                       PREFECT_SERVER_DATABASE_CONNECTION_URL=pg_url or f"sqlite+aiosqlite:///{self.db_path}")
            cmd = [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = open(self.dir / "server.log", "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            self._check_alive()
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.005)
            if time.monotonic() - t0 > 180:
                raise RuntimeError(f"{kind} did not start")
        self.startup_seconds = time.monotonic() - t0
        wait_until_serving(self.api, self._check_alive, timeout=180, poll=0.005)
        self.ready_seconds = time.monotonic() - t0

    def _check_alive(self) -> None:
        if self.proc.poll() is not None:
            if self.database:
                self.database.drop()
            raise RuntimeError(f"{self.kind} exited: {(self.dir / 'server.log').read_text()[-2000:]}")

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid)

    def stop(self, keep: bool = False) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        if self.database:
            self.database.drop()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


class Sampler:
    """Samples a server's process tree every 100 ms while in a `with` block: peak RSS and the
    CPU seconds the tree used inside the block."""

    def __init__(self, server: Server):
        self.server = server
        self.peak_rss_mb = 0.0
        self.cpu_seconds = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> "Sampler":
        self.peak_rss_mb = self.server.rss_mb()
        self._cpu0 = self.server.cpu_seconds()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_rss_mb = max(self.peak_rss_mb, self.server.rss_mb())

    def __exit__(self, *exc) -> None:
        self.cpu_seconds = self.server.cpu_seconds() - self._cpu0
        self._stop.set()
        self._thread.join()
        self.peak_rss_mb = max(self.peak_rss_mb, self.server.rss_mb())


class Client:
    """A keep-alive JSON client for set-up calls and the read workloads."""

    def __init__(self, server: Server, timeout: float = 60):
        self.port = server.port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def post(self, path: str, body, method: str = "POST") -> tuple[int, object]:
        """POST (or `method`) /api<path> with a JSON body; returns (status, parsed body or None).
        A kept-alive connection the server closed while idle (uvicorn does after 5 s) is
        reopened once."""
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.conn.request(method, f"/api{path}", body=data, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except TimeoutError:
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                raise
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, None

    def post_setup(self, path: str, body, attempts: int = 10, method: str = "POST") -> tuple[int, object]:
        """post() for set-up calls (not timed): a 503, the server's "busy, retry" (Prefect's
        SQLite lock after a load), is retried with backoff as the SDK retries it."""
        for attempt in range(attempts):
            status, resp = self.post(path, body, method)
            if status != 503:
                break
            time.sleep(0.1 * 2 ** min(attempt, 5))
        return status, resp

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * (len(v) - 1)))]


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "n/a"
    return f"{a / b:.1f}×"
