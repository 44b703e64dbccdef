"""W1 orchestration API: the C++ closed-loop driver (bench/load_driver.cpp) runs, per flow run,
POST /flows/ + POST /flow_runs/ + set_state RUNNING + set_state COMPLETED over 16 and 64
keep-alive connections. Reports runs/s, per-request p50/p99, peak server RSS, and the
driver's share of the CPU used by driver + server."""

from __future__ import annotations

import json
import subprocess

from harness import BENCH_BIN, Config, Sampler, Server, ratio

KEY = "w1"
OWN_SERVER = False
POSTGRES = True  # also run on PostgreSQL (bench.py)
CLIENTS = (16, 64)


def runs_for(kind: str, cfg: Config) -> int:
    return cfg.pick(2000, 20000) if kind == "praetor" else cfg.pick(200, 600)


def run(server: Server, cfg: Config) -> dict:
    out = {"runs_per_client_count": runs_for(server.kind, cfg)}
    for clients in CLIENTS:
        with Sampler(server) as s:
            proc = subprocess.run([str(BENCH_BIN / "praetor_load_driver"), "--port", str(server.port), "--clients",
                                   str(clients), "--runs", str(out["runs_per_client_count"]), "--workload", "w1"],
                                  capture_output=True, text=True)
        if not proc.stdout.strip():
            raise RuntimeError(f"load driver failed: {proc.stderr}")
        res = json.loads(proc.stdout)
        res["server_cpu_seconds"] = round(s.cpu_seconds, 2)
        res["peak_rss_mb"] = round(s.peak_rss_mb, 1)
        total = res["server_cpu_seconds"] + res["driver_cpu_seconds"]
        res["driver_cpu_share"] = round(res["driver_cpu_seconds"] / total, 3) if total else 0
        print(f"   W1 {clients} clients: {res}", flush=True)
        out[str(clients)] = res
    out["rss_after_mb"] = round(server.rss_mb(), 1)
    return out


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    out = []
    for c in CLIENTS:
        a, b = p[str(c)], q[str(c)]
        out += [
            (f"W1 flow runs/s, {c} clients", f"{a['runs_per_second']:.0f}", f"{b['runs_per_second']:.1f}",
             f"**{ratio(a['runs_per_second'], b['runs_per_second'])}**"),
            (f"W1 request p50 / p99 (ms), {c} clients", f"{a['p50_ms']:.2f} / {a['p99_ms']:.2f}",
             f"{b['p50_ms']:.1f} / {b['p99_ms']:.1f}", f"{ratio(b['p99_ms'], a['p99_ms'])} lower p99"),
            (f"W1 peak server RSS (MB), {c} clients", f"{a['peak_rss_mb']}", f"{b['peak_rss_mb']}",
             f"{ratio(b['peak_rss_mb'], a['peak_rss_mb'])} smaller"),
            (f"W1 failed requests / driver CPU share, {c} clients",
             f"{a['errors']} of {a['requests']} / {a['driver_cpu_share']:.0%}",
             f"{b['errors']} of {b['requests']} / {b['driver_cpu_share']:.0%}",
             "Prefect: 503 = retryable DB error (SQLite lock); the SDK retries these" if b["errors"] else ""),
        ]
    out.append(("W5 RSS after W1 (MB)", f"{p['rss_after_mb']}", f"{q['rss_after_mb']}",
                f"{ratio(q['rss_after_mb'], p['rss_after_mb'])} smaller"))
    return out


def notes(p: dict, q: dict) -> list[str]:
    a = p["64"]
    out = []
    if a["p99_ms"] > 10:
        out.append(f"W1: Praetor's p99 at 64 clients is {a['p99_ms']:.1f} ms (p50 {a['p50_ms']:.1f} ms). Every write "
                   "waits for its group's durable commit (synchronous=FULL); the W1 routes complete asynchronously "
                   "(no thread waits for the commit), so the tail follows the slowest commits (fsync outliers; the "
                   "server logs per-group run/commit times and the slowest commit at debug level). On a 2-core "
                   f"machine the driver (its CPU share was {a['driver_cpu_share']:.0%}) also competes.")
    if q["64"]["errors"]:
        out.append(f"W1: Prefect answered {q['64']['errors']} of {q['64']['requests']} requests at 64 clients with "
                   "503 (its handler for retryable database errors: SQLite 'database is locked'); only completed "
                   "runs count towards its runs/s.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    out = [(f"W1 {c} clients", p[str(c)]["runs_per_second"] / q[str(c)]["runs_per_second"]) for c in CLIENTS
           if q[str(c)]["runs_per_second"]]
    return out + [("W1 64 clients peak RSS", q["64"]["peak_rss_mb"] / p["64"]["peak_rss_mb"])]
