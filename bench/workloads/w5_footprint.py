"""W5 footprint: time from process start to /api/health answering and to the first table read,
and the idle RSS of the whole process tree one second after that. Runs first, on the fresh
shared server."""

from __future__ import annotations

import time

from harness import Config, Server, ratio

KEY = "w5"
OWN_SERVER = False


def run(server: Server, cfg: Config) -> dict:
    time.sleep(1.0)
    return {"startup_seconds": round(server.startup_seconds, 3), "ready_seconds": round(server.ready_seconds, 3),
            "idle_rss_mb": round(server.rss_mb(), 1)}


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    return [
        ("W5 start to /health (s)", f"{p['startup_seconds']:.3f}", f"{q['startup_seconds']:.2f}",
         f"{ratio(q['startup_seconds'], p['startup_seconds'])} faster"),
        ("W5 start to first table read (s)", f"{p['ready_seconds']:.3f}", f"{q['ready_seconds']:.2f}",
         f"{ratio(q['ready_seconds'], p['ready_seconds'])} faster"),
        ("W5 idle RSS (MB)", f"{p['idle_rss_mb']}", f"{q['idle_rss_mb']}",
         f"{ratio(q['idle_rss_mb'], p['idle_rss_mb'])} smaller"),
    ]


def chart(p: dict, q: dict) -> list[tuple]:
    return [("W5 start", q["ready_seconds"] / p["ready_seconds"]), ("W5 idle RSS", q["idle_rss_mb"] / p["idle_rss_mb"])]
