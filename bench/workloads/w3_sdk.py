"""W3 the real SDK: K flows of 10 tasks each, run by the pinned prefect package from P client
processes (bench/sdk_worker.py) against the server. Reports wall time (process start to the
last exit), flow runs/s, the p50/p99 duration of one flow as the client sees it, how long
the 10·K task runs took to become visible (COMPLETED) after the clients exited, and where the
CPU time went (client processes vs server)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time

from harness import PYTHON, ROOT, Client, Config, Sampler, Server, percentile, ratio

KEY = "w3"
OWN_SERVER = False
COMPLETED = {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}


def sizes(cfg: Config) -> tuple[int, int]:
    """(K flows, P processes)."""
    return cfg.pick((20, 2), (100, 4))


def count(client: Client, path: str, body: dict) -> int:
    status, n = client.post(path, body)
    if status != 200:
        raise RuntimeError(f"{path} -> {status} {n}")
    return int(n)


def run(server: Server, cfg: Config) -> dict:
    k, p = sizes(cfg)
    client = Client(server)
    tasks_before = count(client, "/task_runs/count", COMPLETED)
    env = {key: v for key, v in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=server.api, PREFECT_HOME=str(server.dir / "client-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Sampler(server) as s:
        t0 = time.monotonic()
        procs = [subprocess.Popen([str(PYTHON), str(ROOT / "bench/sdk_worker.py"), str(k // p + (i < k % p))],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(p)]
        outputs = [proc.communicate(timeout=600) for proc in procs]
        wall = time.monotonic() - t0
        # The task runs arrive as events; wait until the server shows them all.
        visible = 0
        while time.monotonic() - t0 < wall + 60:
            visible = count(client, "/task_runs/count", COMPLETED) - tasks_before
            if visible >= 10 * k:
                break
            time.sleep(0.05)
        visible_after = time.monotonic() - t0 - wall
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client.close()
    reports, errors = [], []
    for proc, (out, err) in zip(procs, outputs):
        lines = out.strip().splitlines()
        if proc.returncode != 0 or not lines:
            errors.append(err.strip()[-300:])
            continue
        reports.append(json.loads(lines[-1]))
    durations = [d for r in reports for d in r["durations"]]
    flows = sum(r["flows"] for r in reports)
    client_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    res = {
        "flows": flows, "processes": p, "wall_seconds": round(wall, 2),
        "flow_runs_per_second": round(flows / wall, 2) if wall else 0,
        "flow_p50_ms": round(1000 * percentile(durations, 50), 1),
        "flow_p99_ms": round(1000 * percentile(durations, 99), 1),
        "import_seconds_mean": round(sum(r["import_seconds"] for r in reports) / max(1, len(reports)), 2),
        "flow_seconds_mean": round(sum(r["flow_seconds"] for r in reports) / max(1, len(reports)), 2),
        "task_runs_visible": visible, "task_runs_visible_after_exit_seconds": round(max(0.0, visible_after), 2),
        "client_cpu_seconds": round(client_cpu, 2), "server_cpu_seconds": round(s.cpu_seconds, 2),
        "peak_rss_mb": round(s.peak_rss_mb, 1), "errors": errors,
    }
    print(f"   W3: {res}", flush=True)
    return res


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    k, procs = sizes(cfg)
    return [
        (f"W3 SDK flow runs/s ({k} flows × 10 tasks, {procs} processes)", f"{p['flow_runs_per_second']:.2f}",
         f"{q['flow_runs_per_second']:.2f}", f"**{ratio(p['flow_runs_per_second'], q['flow_runs_per_second'])}**"),
        ("W3 wall seconds (incl. client start-up, mean import s)", f"{p['wall_seconds']} ({p['import_seconds_mean']})",
         f"{q['wall_seconds']} ({q['import_seconds_mean']})", ""),
        ("W3 one flow, client-side p50 / p99 (ms)", f"{p['flow_p50_ms']:.0f} / {p['flow_p99_ms']:.0f}",
         f"{q['flow_p50_ms']:.0f} / {q['flow_p99_ms']:.0f}", f"{ratio(q['flow_p50_ms'], p['flow_p50_ms'])} lower p50"),
        ("W3 CPU seconds: clients / server", f"{p['client_cpu_seconds']} / {p['server_cpu_seconds']}",
         f"{q['client_cpu_seconds']} / {q['server_cpu_seconds']}", ""),
        ("W3 task runs visible / s after clients exit", f"{p['task_runs_visible']} / {p['task_runs_visible_after_exit_seconds']}",
         f"{q['task_runs_visible']} / {q['task_runs_visible_after_exit_seconds']}", ""),
        ("W3 peak server RSS (MB)", f"{p['peak_rss_mb']}", f"{q['peak_rss_mb']}",
         f"{ratio(q['peak_rss_mb'], p['peak_rss_mb'])} smaller"),
    ]


def notes(p: dict, q: dict) -> list[str]:
    out = [f"W3: clients used {p['client_cpu_seconds']} CPU s against Praetor (server {p['server_cpu_seconds']} s), "
           f"{q['client_cpu_seconds']} against Prefect (server {q['server_cpu_seconds']} s)."]
    if p["flow_p50_ms"] >= 900:
        out.append("W3: one flow takes ~1 s in the client whatever the server: prefect 3.9.1's flow engine "
                   "(`flow_engine._send_heartbeats`) joins its heartbeat thread on exit, and that thread sleeps in "
                   "1 s steps, so each flow run waits up to 1 s after its last task (seen with cProfile: "
                   "`threading.join` ← `_send_heartbeats` holds most of the wall time). W3 is client-bound.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    return [("W3 SDK runs/s", p["flow_runs_per_second"] / q["flow_runs_per_second"])] if q["flow_runs_per_second"] else []
