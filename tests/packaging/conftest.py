"""Packaging tests: the container image recipe, compose.yaml, the Helm chart and the Debian
package, checked without a container engine or a cluster (none runs on the test machines).
The tools come from scripts/install-packaging-tools.sh (helm, the Compose schema)."""

import contextlib
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from local_servers import ROOT, free_port, stop_process, wait_until_serving  # noqa: E402

BINARY = Path(os.environ.get("PRAETOR_BINARY", str(ROOT / "build/release/src/cli/praetor")))


def project_version() -> str:
    """The version CMakeLists.txt declares (`project(praetor VERSION x.y.z ...)`)."""
    return re.search(r"project\(praetor VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)


def pinned_prefect_version() -> str:
    return re.search(r"^PREFECT_VERSION=([0-9.]+)", (ROOT / "scripts/setup.sh").read_text(), re.M).group(1)


@pytest.fixture(scope="session")
def tools() -> Path:
    """.tools/ with helm and the Compose schema; waits for a background install in progress."""
    subprocess.run([str(ROOT / "scripts/install-packaging-tools.sh")], check=True)
    return ROOT / ".tools"


@pytest.fixture(scope="session")
def staged_root(tmp_path_factory) -> Path:
    """What the image and the package install, laid out by scripts/stage-install.sh."""
    root = tmp_path_factory.mktemp("stage")
    subprocess.run([str(ROOT / "scripts/stage-install.sh"), str(BINARY), str(root)], check=True)
    return root


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@contextlib.contextmanager
def serving(binary: Path, home: Path, env: dict[str, str] | None = None, *, wrapper: list[str] = (),
            args: list[str] = ("server", "start"), log_path: Path | None = None):
    """Runs `wrapper binary args --host 127.0.0.1 --port <free port>` with PREFECT_HOME=home
    and env (none of the caller's PREFECT_*/PRAETOR_* settings); yields the base URL once it
    serves reads. The output goes to log_path (default home/server.log), printed on failure."""
    port = free_port()
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PRAETOR_"))}
    run_env.update({"PREFECT_HOME": str(home), **(env or {})})
    home.mkdir(parents=True, exist_ok=True)
    log_path = log_path or home / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([*wrapper, str(binary), *args, "--host", "127.0.0.1", "--port", str(port)],
                            env=run_env, stdout=log, stderr=subprocess.STDOUT)

    def alive():
        if proc.poll() is not None:
            raise RuntimeError(f"{binary} exited with {proc.returncode}")

    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{base}/api", alive, timeout=30)
        yield base
    except Exception:
        log.flush()
        print(log_path.read_text(errors="replace")[-3000:])
        raise
    finally:
        stop_process(proc)
        log.close()
