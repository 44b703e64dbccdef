"""Helpers shared by the compat and ops tests and the benchmark harness for servers they
start on this machine: a free loopback port, the PostgreSQL cluster to use, a scratch
database on it, and waiting until a started server can serve (not only answer /health).
Imported by path (each caller puts this folder on sys.path)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_cluster_url() -> str | None:
    """PRAETOR_PG_URL, else the cluster scripts/pg.sh runs; None when there is neither."""
    url = os.environ.get("PRAETOR_PG_URL")
    if url:
        return url
    out = subprocess.run([str(ROOT / "scripts/pg.sh"), "url"], capture_output=True, text=True)
    return out.stdout.strip() or None if out.returncode == 0 else None


class ScratchPostgresDatabase:
    """A fresh database on `cluster` named after `prefix`, dropped by drop()."""

    def __init__(self, cluster: str, prefix: str):
        self.cluster = cluster
        self.name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000)}"
        self.run_on_cluster(f'CREATE DATABASE "{self.name}"')
        self.url = f"{cluster.rsplit('/', 1)[0]}/{self.name}"

    def run_on_cluster(self, sql: str) -> None:
        """Runs `sql` through psql on the cluster's maintenance database (not this one)."""
        subprocess.run(["psql", self.cluster, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       capture_output=True)

    def drop(self) -> None:
        try:
            self.run_on_cluster(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        except subprocess.CalledProcessError:
            pass  # already gone, or the cluster stopped: nothing left to clean


def wait_until_serving(api_url: str, alive, timeout: float, poll: float = 0.1,
                       headers: dict[str, str] | None = None) -> None:
    """Waits until the server at `api_url` (ending in /api) serves a read that touches a
    table: Prefect answers /health before its migrations have run, so a by-name read of a
    flow that does not exist (404) is the signal. `alive()` raises when the process died.
    `headers` go with the probe (an Authorization header for a server with basic auth)."""
    deadline = time.monotonic() + timeout
    probe = urllib.request.Request(f"{api_url}/flows/name/readiness-probe", headers=headers or {})
    while time.monotonic() < deadline:
        alive()
        try:
            urllib.request.urlopen(probe, timeout=2)
            return
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return
        except OSError:
            pass
        time.sleep(poll)
    raise RuntimeError(f"server at {api_url} not serving after {timeout}s")


def stop_process(proc: subprocess.Popen, grace: float = 20) -> None:
    """Stops a server or worker the way an operator would: SIGTERM, then SIGKILL if it has
    not exited within `grace` seconds. Returns once it has exited."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
