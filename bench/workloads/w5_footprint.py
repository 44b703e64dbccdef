"""W5 footprint: time from process start to /api/health answering and to the first table read,
on a first start (an empty folder: the database is created and migrated) and on warm starts
(a server stopped and started again on the database it created), and the idle RSS of the
whole process tree one second after the first start. Runs first, on the fresh shared server;
the warm starts use a server of their own."""

from __future__ import annotations

import shutil
import statistics
import time

from harness import Config, Server, ratio

KEY = "w5"
OWN_SERVER = False


def warm_starts(kind: str, n: int) -> list[Server]:
    """Starts a server once on an empty folder (creating its database), then `n` times on that
    database, stopping each; returns the warm-started ones."""
    first = Server(kind)
    first.stop(keep=True)
    out = []
    try:
        for _ in range(n):
            s = Server(kind, data_dir=first.dir)
            s.stop(keep=True)
            out.append(s)
    finally:
        shutil.rmtree(first.dir, ignore_errors=True)
    return out


def run(server: Server, cfg: Config) -> dict:
    time.sleep(1.0)
    out = {"startup_seconds": round(server.startup_seconds, 3), "ready_seconds": round(server.ready_seconds, 3),
           "idle_rss_mb": round(server.rss_mb(), 1)}
    warm = warm_starts(server.kind, cfg.pick(1, 3))
    out.update(warm_starts=len(warm),
               warm_startup_seconds=round(statistics.median(s.startup_seconds for s in warm), 3),
               warm_ready_seconds=round(statistics.median(s.ready_seconds for s in warm), 3))
    return out


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    out = [
        ("W5 first start (creates and migrates the database) to /health (s)", f"{p['startup_seconds']:.3f}",
         f"{q['startup_seconds']:.2f}", f"{ratio(q['startup_seconds'], p['startup_seconds'])} faster"),
        ("W5 first start to first table read (s)", f"{p['ready_seconds']:.3f}", f"{q['ready_seconds']:.2f}",
         f"{ratio(q['ready_seconds'], p['ready_seconds'])} faster"),
    ]
    if "warm_ready_seconds" in p and "warm_ready_seconds" in q:
        out.append((f"W5 warm start (existing database) to first table read (s), median of {p['warm_starts']}",
                    f"{p['warm_ready_seconds']:.3f}", f"{q['warm_ready_seconds']:.2f}",
                    f"{ratio(q['warm_ready_seconds'], p['warm_ready_seconds'])} faster"))
    out.append(("W5 idle RSS (MB)", f"{p['idle_rss_mb']}", f"{q['idle_rss_mb']}",
                f"{ratio(q['idle_rss_mb'], p['idle_rss_mb'])} smaller"))
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    out = [("W5 first start", q["ready_seconds"] / p["ready_seconds"])]
    if "warm_ready_seconds" in p and "warm_ready_seconds" in q:
        out.append(("W5 warm start", q["warm_ready_seconds"] / p["warm_ready_seconds"]))
    return out + [("W5 idle RSS", q["idle_rss_mb"] / p["idle_rss_mb"])]
