"""W4 reads at scale: each server gets a database pre-filled with M flow runs and 10·M task
runs (bench/w4_loader.py writes them straight into the schema the server's own migrations
created), then the dashboard's calls are timed: flow_runs/filter with state and time filters
(limit 50, EXPECTED_START_TIME_DESC), flow_runs/count, task_runs/count, ui/flow_runs/history
and ui/task_runs/dashboard/counts (the dashboard page's chart and task-run tile).

The two databases are filled side by side (one thread each: sqlite3 releases the GIL while
SQLite works), chunk by chunk in lockstep, so when the loading budget runs out both hold the
same M; the report states the M reached. Secondary indexes are dropped for the load and
rebuilt at the end (w4_loader.begin_bulk / end_bulk). BENCH_W4_RUNS=N overrides the target M
(e.g. 100000 to try the loader on a shared machine)."""

from __future__ import annotations

import http.client
import os
import time
from concurrent.futures import ThreadPoolExecutor

import w4_loader
from harness import KINDS, Client, Config, Server, percentile, ratio

KEY = "w4"
OWN_SERVER = True
FINAL_TYPES = ["COMPLETED", "FAILED", "CRASHED"]
WINDOW_SECONDS = 7 * 86400


def sizes(cfg: Config) -> tuple[int, int, float]:
    """(target M, chunk, loading budget in seconds for both databases together). The budget is
    what the whole run has left minus time for the servers' start-up and the reads (240 s in
    the full run) and for the PostgreSQL column that bench.py runs last (200 s)."""
    target, chunk, reserve = cfg.pick((10_000, 10_000, 30), (1_000_000, 100_000, 440))
    if os.environ.get("BENCH_W4_RUNS"):
        target = int(os.environ["BENCH_W4_RUNS"])
        chunk = max(10_000, min(100_000, target // 10))
    return target, chunk, max(30.0, cfg.seconds_left() - reserve)


# Rebuilding the indexes after the load takes about this share of the load time (measured at
# 100k flow runs: Praetor 0.75, Prefect 1.05 — its 17 task_run indexes dominate; sorting grows
# a little faster than linearly); the budget keeps room for it.
INDEX_SHARE = 1.2


def load(db: dict, cfg: Config, base: float) -> tuple[int, int, dict, dict]:
    """Fills both databases with the same M ≤ target flow runs; returns (target, M, load
    seconds per kind, index rebuild seconds per kind)."""
    target, chunk, budget = sizes(cfg)
    print(f"   W4 loading up to {target} flow runs within {budget:.0f} s", flush=True)
    load_seconds, index_seconds = {k: 0.0 for k in KINDS}, {k: 0.0 for k in KINDS}

    def timed(fn, *args):
        s = time.monotonic()
        out = fn(*args)
        return out, time.monotonic() - s

    loaded, t0 = 0, time.monotonic()
    with ThreadPoolExecutor(len(KINDS)) as pool:
        index_sql = {k: f.result()[0] for k, f in {k: pool.submit(timed, w4_loader.begin_bulk, db[k])
                                                   for k in KINDS}.items()}
        while loaded < target:
            end = min(target, loaded + chunk)
            jobs = {k: pool.submit(timed, w4_loader.LOADERS[k], db[k], loaded, end, base) for k in KINDS}
            for k, f in jobs.items():
                load_seconds[k] += f.result()[1]
            loaded = end
            elapsed = time.monotonic() - t0
            print(f"   W4 loaded {loaded} flow runs ({elapsed:.0f} s)", flush=True)
            # Stop when one more chunk and the index rebuild would not fit in the budget.
            if elapsed * (1 + INDEX_SHARE) + elapsed / (loaded / chunk) > budget:
                break
        jobs = {k: pool.submit(timed, w4_loader.end_bulk, db[k], index_sql[k]) for k in KINDS}
        for k, f in jobs.items():
            index_seconds[k] = f.result()[1]
    print(f"   W4 indexes rebuilt ({time.monotonic() - t0:.0f} s)", flush=True)
    return target, loaded, load_seconds, index_seconds


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + "Z"


def calls(base: float) -> list[tuple[str, str, dict]]:
    window = {"after_": iso(base - WINDOW_SECONDS), "before_": iso(base + 3600)}
    runs = {"state": {"type": {"any_": FINAL_TYPES}}, "expected_start_time": window}
    return [
        ("flow_runs/filter (state + time, limit 50)", "/flow_runs/filter",
         {"flow_runs": runs, "sort": "EXPECTED_START_TIME_DESC", "limit": 50, "offset": 0}),
        ("flow_runs/count (state + time)", "/flow_runs/count", {"flow_runs": runs}),
        ("task_runs/count (state + time)", "/task_runs/count",
         {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}, "start_time": window}}),
        ("ui/flow_runs/history (state + time, limit 1000)", "/ui/flow_runs/history",
         {"flow_runs": runs, "sort": "EXPECTED_START_TIME_DESC", "limit": 1000, "offset": 0}),
        ("ui/task_runs/dashboard/counts (time, 20 buckets)", "/ui/task_runs/dashboard/counts",
         {"task_runs": {"start_time": {"after_": iso(base - 86400), "before_": iso(base + 3600)}}}),
    ]


def time_call(server: Server, path: str, body: dict, reps: int, budget: float) -> dict:
    client = Client(server, timeout=120)
    latencies, status, answer, t_start = [], None, None, time.monotonic()
    for _ in range(reps):
        t0 = time.monotonic()
        try:
            status, answer = client.post(path, body)
        except (OSError, http.client.HTTPException) as e:
            client.close()
            return {"status": f"error: {type(e).__name__}", "ms": [round(x, 1) for x in latencies]}
        latencies.append(1000 * (time.monotonic() - t0))
        if status in (404, 405):
            client.close()
            return {"status": "missing"}
        if time.monotonic() - t_start > budget:
            break
    client.close()
    # The answer's size (rows, the count, or the runs in the buckets) shows both servers saw the same data.
    if isinstance(answer, list) and answer and isinstance(answer[0], dict) and "completed" in answer[0]:
        size = sum(b["completed"] + b["failed"] for b in answer)
    else:
        size = len(answer) if isinstance(answer, list) else answer if isinstance(answer, int) else None
    return {"status": status, "answer": size, "reps": len(latencies), "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(max(latencies), 2)}


def run_all(cfg: Config) -> dict[str, dict]:
    dirs = {}
    for kind in KINDS:  # an empty server run creates the schema through the server's own migrations
        server = Server(kind)
        server.stop(keep=True)
        dirs[kind] = server.dir
    db = {kind: dirs[kind] / ("praetor.db" if kind == "praetor" else "prefect.db") for kind in KINDS}
    base = time.time()
    target, loaded, load_seconds, index_seconds = load(db, cfg, base)
    results = {}
    reps, call_budget = cfg.pick(5, 10), cfg.pick(15.0, 20.0)
    for kind in KINDS:
        server = Server(kind, data_dir=dirs[kind])
        entry = {"target_flow_runs": target, "flow_runs": loaded, "task_runs": 10 * loaded, "load_seconds": round(load_seconds[kind], 1),
                 "index_seconds": round(index_seconds[kind], 1),
                 "db_mb": round(os.path.getsize(db[kind]) / 2**20, 1),
                 "ready_seconds": round(server.ready_seconds, 2), "calls": {}}
        try:
            for label, path, body in calls(base):
                entry["calls"][label] = time_call(server, path, body, reps, call_budget)
            entry["rss_mb"] = round(server.rss_mb(), 1)
        finally:
            server.stop()
        print(f"   W4 {kind}: {entry}", flush=True)
        results[kind] = entry
    return results


def _cell(c: dict) -> str:
    if c["status"] == "missing":
        return "missing"
    if c["status"] != 200:
        return f"{c['status']}"
    return f"{c['p50_ms']:.1f} / {c['p99_ms']:.1f}"


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    def loaded(r):
        return f"{r['flow_runs']:,} / {r['task_runs']:,} ({r['load_seconds']} + {r.get('index_seconds', 0)})"

    out = [("W4 rows loaded: flow runs / task runs (load s + index rebuild s)", loaded(p), loaded(q), "")]
    for label, pc in p["calls"].items():
        qc = q["calls"][label]
        r = ratio(qc.get("p50_ms"), pc.get("p50_ms")) + " lower p50" if "p50_ms" in pc and "p50_ms" in qc else ""
        out.append((f"W4 {label} p50 / p99 (ms)", _cell(pc), _cell(qc), r))
    out.append(("W4 answers (rows or count) per call", " / ".join(str(c.get("answer", "–")) for c in p["calls"].values()),
                " / ".join(str(c.get("answer", "–")) for c in q["calls"].values()), "must match"))
    out.append(("W4 start-up on the loaded DB (s) / DB size (MB)", f"{p['ready_seconds']} / {p['db_mb']}",
                f"{q['ready_seconds']} / {q['db_mb']}", ""))
    out.append(("W4 server RSS after the reads (MB)", f"{p['rss_mb']}", f"{q['rss_mb']}",
                f"{ratio(q['rss_mb'], p['rss_mb'])} smaller"))
    return out


def notes(p: dict, q: dict) -> list[str]:
    out = [f"W4 data: {p['flow_runs']:,} flow runs and {p['task_runs']:,} task runs (one state row each; 20 flows; "
           "expected/start times 2.5 s apart, so 1M runs span ~29 days; 5% FAILED, 5% CRASHED, 5% CANCELLED, the "
           "rest COMPLETED; 2% of task runs FAILED) were written straight into each server's SQLite file with the "
           "server stopped, after the server's own migrations had created the schema (bench/w4_loader.py: "
           "INSERT … SELECT over a recursive counter, secondary indexes dropped for the load and rebuilt after, "
           f"both files filled side by side). Load + index rebuild: Praetor {p['load_seconds']} + "
           f"{p.get('index_seconds', 0)} s, Prefect {q['load_seconds']} + {q.get('index_seconds', 0)} s."]
    for label, c in p["calls"].items():
        if c["status"] == "missing":
            out.append(f"W4: Praetor has no `{label.split(' (')[0]}` endpoint yet (answered 404); nothing is timed.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    out = []
    for label, pc in p["calls"].items():
        qc = q["calls"][label]
        if pc.get("p50_ms") and qc.get("p50_ms"):
            out.append((f"W4 {label.split(' (')[0]}", qc["p50_ms"] / pc["p50_ms"]))
    return out
