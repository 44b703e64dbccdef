"""W1+W2 isolation: does an event flood slow orchestration down? W1 at 16 clients (the load
driver) runs twice on one server: idle, then while W2's event sender floods /api/events/in
with task-run state events (4 WebSocket clients, as fast as the server takes them). Reports
W1's p50/p99 and runs/s in both windows and the p99 ratio loaded/idle; the target is that
W1's p99 under the flood stays within 3× its idle value. The sender is sized to outlast
W1's window; the report says whether it did (else the overlap was partial). The server's
peak RSS over the loaded window is the memory under this mixed load."""

from __future__ import annotations

import subprocess
import time

from harness import Config, Sampler, Server, ratio
from workloads import w1_orchestration, w2_events

KEY = "w12"
OWN_SERVER = False
POSTGRES = True
CLIENTS = 16
TARGET_P99_FACTOR = 3.0


def flood_task_runs(kind: str, cfg: Config) -> int:
    """Task runs (4 events each) that keep the sender busy past W1's window: Praetor takes
    ~20k events/s here, Prefect's server ~1-2k."""
    return cfg.pick(30000, 100000) if kind == "praetor" else cfg.pick(4000, 12000)


def run(server: Server, cfg: Config) -> dict:
    idle = w1_orchestration.drive(server, CLIENTS, False, cfg)
    n = flood_task_runs(server.kind, cfg)
    w2_events.create_flow_runs(server, n, flow_name="bench-w12")
    refs_file = server.dir / "bench-w12-flow-runs.txt"
    sender = subprocess.Popen(w2_events.sender_command(server, n, refs_file), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        with Sampler(server) as memory:
            time.sleep(0.5)  # the sender's sockets are open and sending
            loaded = w1_orchestration.drive(server, CLIENTS, False, cfg)
            outlasted = sender.poll() is None
    finally:
        sender.kill()
        sender.communicate()
    out = {"idle": idle, "loaded": loaded, "sender_outlasted_w1": outlasted, "flood_task_runs": n,
           "peak_rss_mb": round(memory.peak_rss_mb, 1)}
    # No answer at all under the flood is no factor (the table says so), not a 0.
    answered = loaded["samples"] > 0 and idle["samples"] > 0
    out["p99_factor"] = round(loaded["p99_ms"] / idle["p99_ms"], 2) if answered and idle["p99_ms"] else None
    print(f"   W12: p99 idle {idle['p99_ms']} ms, under the flood {loaded['p99_ms']} ms "
          f"(x{out['p99_factor']}), sender outlasted W1: {outlasted}", flush=True)
    return out


def _cell(r: dict, digits: int) -> str:
    f = f"{{:.{digits}f}}"
    if not r["loaded"]["samples"]:
        return f"{f.format(r['idle']['p50_ms'])} / {f.format(r['idle']['p99_ms'])} → no request answered in the window"
    return (f"{f.format(r['idle']['p50_ms'])} / {f.format(r['idle']['p99_ms'])} → "
            f"{f.format(r['loaded']['p50_ms'])} / {f.format(r['loaded']['p99_ms'])}")


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    def overlap(r):
        return "" if r["sender_outlasted_w1"] else " (flood ended before W1's window did)"

    return [
        (f"W12 W1 request p50 / p99 (ms), idle → under a W2 event flood, {CLIENTS} clients",
         _cell(p, 2), _cell(q, 1), ""),
        ("W12 W1 p99 under the flood ÷ idle p99 (target ≤ 3)", f"{p['p99_factor'] or '–'}{overlap(p)}",
         f"{q['p99_factor'] or '–'}{overlap(q)}", ""),
        ("W12 W1 flow runs/s, idle → under the flood",
         f"{p['idle']['runs_per_second']:.0f} → {p['loaded']['runs_per_second']:.0f}",
         f"{q['idle']['runs_per_second']:.1f} → {q['loaded']['runs_per_second']:.1f}",
         f"**{ratio(p['loaded']['runs_per_second'], q['loaded']['runs_per_second'])}** under the flood"),
        ("W12 peak RSS under W1 + the W2 flood (MB, whole process tree)", f"{p['peak_rss_mb']:.0f}",
         f"{q['peak_rss_mb']:.0f}", f"{ratio(q['peak_rss_mb'], p['peak_rss_mb'])} lower"),
    ]


def notes(p: dict, q: dict) -> list[str]:
    if p["p99_factor"] and p["p99_factor"] > TARGET_P99_FACTOR:
        return [f"W12: under the event flood Praetor's W1 p99 rose {p['p99_factor']}× (target ≤ {TARGET_P99_FACTOR}×): "
                "orchestration writes queue behind event persistence on the one writer."]
    return []


def chart(p: dict, q: dict) -> list[tuple]:
    a, b = p["loaded"]["runs_per_second"], q["loaded"]["runs_per_second"]
    return [("W12 W1 runs/s under an event flood", a / b)] if b else []
