"""Side-by-side benchmark of Praetor and Prefect's own server (issue: Benchmarks).

Each server gets a fresh SQLite database and its own loopback port; the same workloads run
against both; the headline is the ratio Praetor/Prefect. Workloads:
  W1  orchestration API: the C++ load driver (build/release/bench/praetor_load_driver) runs,
      per flow run, POST /flows/ + POST /flow_runs/ + set_state RUNNING + set_state COMPLETED
      over N keep-alive connections.
  W5  footprint: time from process start to /api/health answering; idle RSS; peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRAETOR = ROOT / "build/release/src/cli/praetor"
DRIVER = ROOT / "build/release/bench/praetor_load_driver"
PREFECT = Path(sys.executable).parent / "prefect"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    def __init__(self, kind: str):
        self.kind = kind
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(self.dir / "home")
        if kind == "praetor":
            cmd = [str(PRAETOR), "server", "start", "--port", str(self.port)]
        else:
            env.update(PREFECT_UI_ENABLED="false", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                       PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{self.dir}/prefect.db")
            cmd = [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = open(self.dir / "server.log", "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.005)
            if time.monotonic() - t0 > 120:
                raise RuntimeError(f"{kind} did not start")
        self.startup_seconds = time.monotonic() - t0
        # Prefect answers /health before its migrations have run; a read that touches a
        # table tells when the server can really serve (404 = the table exists).
        while True:
            try:
                urllib.request.urlopen(f"{self.api}/flows/name/bench-probe", timeout=2)
                break
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    break
            except OSError:
                pass
            time.sleep(0.005)
        self.ready_seconds = time.monotonic() - t0
        time.sleep(1.0)
        self.idle_rss_mb = tree_rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_w1(server: Server, clients: int, runs: int) -> dict:
    peak = [tree_rss_mb(server.proc.pid)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            peak[0] = max(peak[0], tree_rss_mb(server.proc.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    cpu0 = tree_cpu_seconds(server.proc.pid)
    proc = subprocess.run([str(DRIVER), "--port", str(server.port), "--clients", str(clients),
                           "--runs", str(runs), "--workload", "w1"], capture_output=True, text=True)
    cpu1 = tree_cpu_seconds(server.proc.pid)
    stop.set()
    sampler.join()
    if not proc.stdout.strip():
        raise RuntimeError(f"load driver failed: {proc.stderr}")
    result = json.loads(proc.stdout)
    result["server_cpu_seconds"] = round(cpu1 - cpu0, 2)
    result["peak_rss_mb"] = round(peak[0], 1)
    total_cpu = result["server_cpu_seconds"] + result["driver_cpu_seconds"]
    result["driver_cpu_share"] = round(result["driver_cpu_seconds"] / total_cpu, 3) if total_cpu else 0
    return result


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "n/a"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small run counts (under 3 minutes)")
    args = ap.parse_args()
    runs_praetor = 2000 if args.quick else 20000
    runs_prefect = 200 if args.quick else 1000
    client_counts = [16, 64]

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    results: dict[str, dict] = {}
    for kind in ("praetor", "prefect"):
        print(f"== {kind}", flush=True)
        server = Server(kind)
        entry = {"startup_seconds": round(server.startup_seconds, 3),
                 "ready_seconds": round(server.ready_seconds, 3), "idle_rss_mb": round(server.idle_rss_mb, 1)}
        try:
            for clients in client_counts:
                runs = runs_praetor if kind == "praetor" else runs_prefect
                res = run_w1(server, clients, runs)
                print(f"   W1 {clients} clients: {res}", flush=True)
                entry[f"w1_{clients}"] = res
            entry["rss_after_w1_mb"] = round(tree_rss_mb(server.proc.pid), 1)
        finally:
            server.stop()
        results[kind] = entry

    p, q = results["praetor"], results["prefect"]
    rows = ["| Workload | Praetor | Prefect 3.9.1 | Praetor/Prefect |", "|---|---|---|---|"]
    for clients in client_counts:
        a, b = p[f"w1_{clients}"], q[f"w1_{clients}"]
        rows.append(f"| W1 flow runs/s, {clients} clients | {a['runs_per_second']:.0f} | {b['runs_per_second']:.1f} | "
                    f"**{ratio(a['runs_per_second'], b['runs_per_second'])}** |")
        rows.append(f"| W1 p50 / p99 request latency (ms), {clients} clients | {a['p50_ms']:.2f} / {a['p99_ms']:.2f} | "
                    f"{b['p50_ms']:.1f} / {b['p99_ms']:.1f} | {ratio(b['p99_ms'], a['p99_ms'])} lower p99 |")
        rows.append(f"| W1 errors, {clients} clients | {a['errors']} | {b['errors']} | |")
        rows.append(f"| W1 peak server RSS (MB), {clients} clients | {a['peak_rss_mb']} | {b['peak_rss_mb']} | "
                    f"{ratio(b['peak_rss_mb'], a['peak_rss_mb'])} smaller |")
        rows.append(f"| W1 load-driver CPU share, {clients} clients | {a['driver_cpu_share']:.0%} | "
                    f"{b['driver_cpu_share']:.0%} | |")
    rows.append(f"| W5 start to healthy (s) | {p['startup_seconds']:.3f} | {q['startup_seconds']:.2f} | "
                f"{ratio(q['startup_seconds'], p['startup_seconds'])} faster |")
    rows.append(f"| W5 start to first table read (s) | {p['ready_seconds']:.3f} | {q['ready_seconds']:.2f} | "
                f"{ratio(q['ready_seconds'], p['ready_seconds'])} faster |")
    rows.append(f"| W5 idle RSS (MB) | {p['idle_rss_mb']} | {q['idle_rss_mb']} | {ratio(q['idle_rss_mb'], p['idle_rss_mb'])} smaller |")
    rows.append(f"| W5 RSS after W1 (MB) | {p['rss_after_w1_mb']} | {q['rss_after_w1_mb']} | |")
    table = "\n".join(rows)

    out_dir = ROOT / "bench/results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    base = out_dir / f"{stamp}-{commit}"
    mode = "quick" if args.quick else "full"
    md = (f"# Benchmark {stamp}, commit {commit} ({mode})\n\n"
          f"Machine: {os.cpu_count()} cores, loopback. Each server on a fresh SQLite database. "
          f"W1 runs per client count: Praetor {runs_praetor}, Prefect {runs_prefect}.\n\n{table}\n\n"
          f"![ratios]({base.name}.png)\n\n<details><summary>raw</summary>\n\n```json\n"
          f"{json.dumps(results, indent=2)}\n```\n</details>\n")
    base.with_suffix(".md").write_text(md)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        labels = [f"W1 {c} clients" for c in client_counts]
        fig, ax = plt.subplots(figsize=(7, 3.5))
        xs = range(len(labels))
        ax.bar([x - 0.2 for x in xs], [p[f"w1_{c}"]["runs_per_second"] for c in client_counts], 0.4, label="Praetor")
        ax.bar([x + 0.2 for x in xs], [q[f"w1_{c}"]["runs_per_second"] for c in client_counts], 0.4, label="Prefect")
        ax.set_xticks(list(xs), labels)
        ax.set_yscale("log")
        ax.set_ylabel("flow runs per second (log)")
        ax.set_title(f"Praetor vs Prefect 3.9.1 ({commit})")
        ax.legend()
        fig.tight_layout()
        fig.savefig(base.with_suffix(".png"), dpi=100)
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
