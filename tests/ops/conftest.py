"""Operations tests: several processes, signals, restarts. Each test starts its own
praetor processes on free loopback ports with its own PREFECT_HOME."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("PRAETOR_BINARY", str(ROOT / "build/release/src/cli/praetor"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Praetor:
    def __init__(self, home: Path, port: int | None = None):
        self.home = home
        self.port = port or free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None
        self.log_path = home / f"praetor-{self.port}.log"

    def start(self, timeout: float = 15) -> "Praetor":
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(self.home)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"praetor exited early: {self.log_path.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("praetor did not become healthy")

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


@pytest.fixture
def praetor_factory(tmp_path):
    started: list[Praetor] = []

    def make(port: int | None = None) -> Praetor:
        p = Praetor(tmp_path, port)
        started.append(p)
        return p

    yield make
    for p in started:
        if p.proc is not None and p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()
