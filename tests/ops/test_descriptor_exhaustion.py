"""File-descriptor exhaustion (issue 14 item 7): with `ulimit -n 1024` and 1,100 idle
connections, the server keeps answering /api/health, does not spin, and does not flood its log."""

import os
import resource
import socket
import subprocess
import time

import httpx

from conftest import BINARY
from local_servers import free_port


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _limit_descriptors():
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def test_idle_crowd_past_the_descriptor_limit_leaves_health_answering(tmp_path):
    # This test process holds 1,100 sockets itself: raise its own soft limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path)
    log_path = tmp_path / "praetor.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([BINARY, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_limit_descriptors)
    api = f"http://127.0.0.1:{port}/api"
    crowd: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{api}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, log_path.read_text()[-2000:]
            time.sleep(0.05)
        assert httpx.post(f"{api}/flows/", json={"name": "before-the-crowd"}).status_code == 201

        for _ in range(1100):  # connect and say nothing
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            crowd.append(s)
        time.sleep(1)

        cpu_before = _cpu_seconds(proc.pid)
        log_before = log_path.stat().st_size
        answered = 0
        window_end = time.monotonic() + 10
        while time.monotonic() < window_end:
            try:
                if httpx.get(f"{api}/health", timeout=3).status_code == 200:
                    answered += 1
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        cpu_used = _cpu_seconds(proc.pid) - cpu_before
        log_growth = log_path.stat().st_size - log_before

        assert proc.poll() is None, log_path.read_text()[-2000:]
        assert answered >= 5, f"/health answered {answered} times in 10 s"
        assert cpu_used < 3.0, f"{cpu_used:.1f} CPU-seconds in 10 s: the accept loop spins"
        assert log_growth < 64 * 1024, f"the log grew {log_growth} bytes in 10 s"
        # What was accepted before the crowd is still there, and new writes are served.
        names = {f["name"] for f in httpx.post(f"{api}/flows/filter", json={}, timeout=10).json()}
        assert "before-the-crowd" in names
        assert httpx.post(f"{api}/flows/", json={"name": "after-the-crowd"}, timeout=10).status_code == 201
    finally:
        for s in crowd:
            s.close()
        proc.kill()
        proc.wait()
