"""W4 at 1M on a database loaded once and kept, for re-measuring one server's calls without
reloading (w4_reads.run_all loads afresh every run).

  load DIR [RUNS]            fills DIR/praetor.db as W4 does (schema by the server's own
                             migrations, w4_loader's bulk load and index rebuild) and writes
                             DIR/w4.json (the base time the windows are drawn from, load figures)
  time DIR OUT.json BINARY   starts BINARY on DIR (127.0.0.1, a free port), times the calls
  time DIR OUT.json :PORT    times the calls against a server already running on DIR's file

The calls: every call of W4 (w4_reads.time_call: the same seeds, up to 100 samples or 20 s
each), then /flow_runs/paginate in START_TIME_DESC order by shape, each split into its
count (/flow_runs/count) and its page (/flow_runs/filter, limit 100) with the same body, 50
windows per shape: none; a week ending in the oldest three weeks of the span; a week ending
within an hour of the newest run. Each paginate answer (count and ids) goes to OUT.json.answers
for comparing two binaries.
  .venv/bin/python bench/w4_loaded.py load /work/w4-1m/data
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "workloads"))
import harness  # noqa: E402
import w4_loader  # noqa: E402
import w4_reads  # noqa: E402
from harness import Client, percentile  # noqa: E402

DAY = 86400
PAGINATE = "flow_runs/paginate (START_TIME_DESC, limit 100, time or none)"


def load(data: Path, runs: int) -> None:
    data.mkdir(parents=True, exist_ok=True)
    harness.Server("praetor", data_dir=data).stop(keep=True)
    db = data / "praetor.db"
    base = int(time.time()) + 0.25
    chunk = 100_000
    t0 = time.monotonic()
    sql = w4_loader.begin_bulk(db)
    for start in range(0, runs, chunk):
        w4_loader.load_praetor(db, start, min(runs, start + chunk), base)
    t1 = time.monotonic()
    w4_loader.end_bulk(db, sql)
    info = {"base": base, "flow_runs": runs, "load_s": round(t1 - t0, 1), "index_s": round(time.monotonic() - t1, 1),
            "db_mb": round(os.path.getsize(db) / 2**20, 1)}
    (data / "w4.json").write_text(json.dumps(info))
    print(info)


def stats(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2)}


def timed(data: Path, out: Path, target: str) -> None:
    info = json.loads((data / "w4.json").read_text())
    base, runs = info["base"], info["flow_runs"]
    server = None
    if target.startswith(":"):
        server = type("Running", (), {"port": int(target[1:])})()
    else:
        harness.PRAETOR = Path(target)
        server = harness.Server("praetor", data_dir=data)
    result = {"target": target, "loadavg_before": os.getloadavg(), "calls": {}, "shapes": {}}
    if hasattr(server, "ready_seconds"):
        result["ready_seconds"] = round(server.ready_seconds, 2)
    try:
        for label in w4_reads.CALLS:
            r = w4_reads.time_call(server, label, base, runs, 100, 20.0)
            r.pop("answers", None)
            result["calls"][label] = r
            print(label, r, flush=True)
        span = runs * w4_loader.SPACING_SECONDS

        def week(end: float) -> dict:
            return {"flow_runs": {"expected_start_time": {"after_": w4_reads.iso(end - 7 * DAY),
                                                          "before_": w4_reads.iso(end)}}}

        shapes = {"none": lambda rng: {},
                  "old week": lambda rng: week(base - span + 7 * DAY + rng.uniform(0, span - 8 * DAY)),
                  "newest week": lambda rng: week(base + 3600 - rng.uniform(0, 7200))}
        client = Client(server, timeout=120)
        answers: dict[str, list] = {}
        for name, make in shapes.items():
            per: dict[str, list[float]] = {"paginate": [], "count": [], "page": []}
            for i in range(50):
                body = make(random.Random(1000 + i))
                calls = {"paginate": ("/flow_runs/paginate", {"page": 1, "limit": 100, "sort": "START_TIME_DESC", **body}),
                         "count": ("/flow_runs/count", body),
                         "page": ("/flow_runs/filter", {"limit": 100, "offset": 0, "sort": "START_TIME_DESC", **body})}
                for part, (path, b) in calls.items():
                    t0 = time.monotonic()
                    status, answer = client.post(path, b)
                    per[part].append(1000 * (time.monotonic() - t0))
                    if status != 200:
                        raise RuntimeError(f"{path}: {status} {answer}")
                    if part == "paginate":
                        answers.setdefault(name, []).append((answer["count"], [a["id"] for a in answer["results"]]))
            result["shapes"][name] = {part: stats(ms) for part, ms in per.items()}
            print(name, result["shapes"][name], flush=True)
        split: dict[str, list[float]] = {"none": [], "week": []}
        for i in range(100):  # W4's own paginate samples, split by shape (odd i: a week)
            path, body = w4_reads.variant(base, runs, i)[PAGINATE]
            t0 = time.monotonic()
            status, answer = client.post(path, body)
            split["week" if i % 2 else "none"].append(1000 * (time.monotonic() - t0))
            answers.setdefault("w4 variant", []).append((answer["count"], [a["id"] for a in answer["results"]]))
        result["w4_paginate_split"] = {k: stats(v) for k, v in split.items()}
        print("w4 paginate by shape", result["w4_paginate_split"], flush=True)
        client.close()
        result["loadavg_after"] = os.getloadavg()
        if isinstance(server, harness.Server):
            result["rss_mb"] = round(server.rss_mb(), 1)
    finally:
        if isinstance(server, harness.Server):
            server.stop(keep=True)
    out.write_text(json.dumps(result, indent=1))
    Path(str(out) + ".answers").write_text(json.dumps(answers))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "load":
        load(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000)
    elif len(sys.argv) == 5 and sys.argv[1] == "time":
        timed(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
