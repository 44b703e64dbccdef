"""W4 reads at scale: each server gets a database pre-filled with M flow runs and 10·M task
runs (bench/w4_loader.py writes them straight into the schema the server's own migrations
created), then the dashboard's calls are timed: flow_runs/filter with state and time filters
(limit 50, EXPECTED_START_TIME_DESC), flow_runs/count, task_runs/count, ui/flow_runs/history
and ui/task_runs/dashboard/counts (the dashboard page's chart and task-run tile).

The two databases are filled side by side (one thread each: sqlite3 releases the GIL while
SQLite works), chunk by chunk in lockstep, so when the loading budget runs out both hold the
same M; the report states the M reached. Secondary indexes are dropped for the load and
rebuilt at the end (w4_loader.begin_bulk / end_bulk). BENCH_W4_RUNS=N overrides the target M
(e.g. 100000 to try the loader on a shared machine).

The calls at scale for one server alone (no comparison; its loading budget is the env's
BENCH_W4_BUDGET seconds, default 1800):
  BENCH_W4_RUNS=1000000 BENCH_W4_KINDS=praetor PYTHONPATH=bench .venv/bin/python bench/workloads/w4_reads.py"""

from __future__ import annotations

import http.client
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

import w4_loader
from harness import KINDS, Client, Config, Server, percentile, ratio

KEY = "w4"
OWN_SERVER = True
FINAL_TYPES = ["COMPLETED", "FAILED", "CRASHED"]
MIN_SAMPLES = 5
P99_MIN_SAMPLES = 100  # below this the report prints the max of n instead of a p99


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


def kinds() -> tuple[str, ...]:
    """The servers W4 runs on: both, or those BENCH_W4_KINDS names (comma-separated)."""
    named = os.environ.get("BENCH_W4_KINDS")
    return tuple(k for k in KINDS if not named or k in named.split(","))


def load(db: dict, cfg: Config, base: float) -> tuple[int, int, dict, dict]:
    """Fills both databases with the same M ≤ target flow runs; returns (target, M, load
    seconds per kind, index rebuild seconds per kind)."""
    target, chunk, budget = sizes(cfg)
    print(f"   W4 loading up to {target} flow runs within {budget:.0f} s", flush=True)
    load_seconds, index_seconds = {k: 0.0 for k in kinds()}, {k: 0.0 for k in kinds()}

    def timed(fn, *args):
        s = time.monotonic()
        out = fn(*args)
        return out, time.monotonic() - s

    loaded, t0 = 0, time.monotonic()
    with ThreadPoolExecutor(len(kinds())) as pool:
        index_sql = {k: f.result()[0] for k, f in {k: pool.submit(timed, w4_loader.begin_bulk, db[k])
                                                   for k in kinds()}.items()}
        while loaded < target:
            end = min(target, loaded + chunk)
            jobs = {k: pool.submit(timed, w4_loader.LOADERS[k], db[k], loaded, end, base) for k in kinds()}
            for k, f in jobs.items():
                load_seconds[k] += f.result()[1]
            loaded = end
            elapsed = time.monotonic() - t0
            print(f"   W4 loaded {loaded} flow runs ({elapsed:.0f} s)", flush=True)
            # Stop when one more chunk and the index rebuild would not fit in the budget.
            if elapsed * (1 + INDEX_SHARE) + elapsed / (loaded / chunk) > budget:
                break
        jobs = {k: pool.submit(timed, w4_loader.end_bulk, db[k], index_sql[k]) for k in kinds()}
        for k, f in jobs.items():
            index_seconds[k] = f.result()[1]
    print(f"   W4 indexes rebuilt ({time.monotonic() - t0:.0f} s)", flush=True)
    return target, loaded, load_seconds, index_seconds


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + "Z"


STATE_SETS = (FINAL_TYPES, ["COMPLETED"], ["FAILED", "CRASHED"], ["CANCELLED"])
CALLS = ("flow_runs/filter (state + time, limit 50)", "flow_runs/count (state + time)",
         "task_runs/count (state + time)", "ui/flow_runs/history (state + time, limit 1000)",
         "ui/task_runs/dashboard/counts (time, 20 buckets)",
         # The other calls the dashboard and runs pages of both UIs make (tests/compat/test_ui.py
         # writes every page's calls to test-artifacts/ui/*/api-calls-*.json), in their shapes.
         "flow_runs/count (all: runs page)", "task_runs/count (all: runs page)",
         "task_runs/count (dashboard: state + time, no subflows)", "task_runs/history (time, 20 intervals)",
         "flow_runs/lateness (time)", "flow_runs/count (state name Late + time)",
         "flows/paginate (flow runs failed in time window)", "flow_runs/filter (ID_DESC, limit 1)",
         "flow_runs/filter (time, START_TIME_DESC, limit 42)",
         "flow_runs/paginate (START_TIME_DESC, limit 100, time or none)",
         "task_runs/paginate (EXPECTED_START_TIME_DESC, limit 100, time or none)",
         "ui/flow_runs/count-task-runs (100 runs)")


def variant(base: float, flow_runs: int, i: int) -> dict[str, tuple[str, dict]]:
    """The i-th sample of each dashboard call: the same shapes as the dashboard sends, with a
    time window (1 hour to 7 days, anywhere in the data's span or reaching past its newest
    run), a state set and a page offset drawn from a generator seeded with i, so both servers
    get the same queries and no two samples hit the same cached pages."""
    rng = random.Random(i)
    span = flow_runs * w4_loader.SPACING_SECONDS
    hours = rng.choice((1, 6, 24, 7 * 24))
    end = base + 3600 - rng.uniform(0, max(0.0, span - hours * 3600))
    window = {"after_": iso(end - hours * 3600), "before_": iso(end)}
    runs = {"state": {"type": {"any_": rng.choice(STATE_SETS)}}, "expected_start_time": window}
    task_window_hours = rng.choice((1, 6, 24))
    task_window = {"after_": iso(end - task_window_hours * 3600), "before_": iso(end)}
    day = {"after_": iso(end - 24 * 3600), "before_": iso(end)}
    week = {"after_": iso(end - 7 * 24 * 3600), "before_": iso(end)}
    first = rng.randrange(max(1, flow_runs - 100))
    bodies = (
        ("/flow_runs/filter", {"flow_runs": runs, "sort": "EXPECTED_START_TIME_DESC", "limit": 50,
                               "offset": rng.choice((0, 0, 50, 500))}),
        ("/flow_runs/count", {"flow_runs": runs}),
        ("/task_runs/count", {"task_runs": {"state": {"type": {"any_": rng.choice((["COMPLETED"], ["FAILED"]))}},
                                            "start_time": window}}),
        ("/ui/flow_runs/history", {"flow_runs": runs, "sort": "EXPECTED_START_TIME_DESC", "limit": 1000, "offset": 0}),
        ("/ui/task_runs/dashboard/counts", {"task_runs": {"start_time": task_window}}),
        ("/flow_runs/count", {}),
        ("/task_runs/count", {}),
        ("/task_runs/count", {"task_runs": {"subflow_runs": {"exists_": False}, "start_time": day,
                                            "state": {"type": {"any_": rng.choice((
                                                ["COMPLETED", "FAILED", "CRASHED", "RUNNING"], ["COMPLETED"],
                                                ["FAILED", "CRASHED"], ["RUNNING"]))}}}}),
        ("/task_runs/history", {"history_start": day["after_"], "history_end": day["before_"],
                                "history_interval_seconds": 4320, "flow_runs": {},
                                "task_runs": {"start_time": day}}),
        ("/flow_runs/lateness", {"flow_runs": {"expected_start_time": day}}),
        ("/flow_runs/count", {"flow_runs": {"state": {"name": {"any_": ["Late"]}}, "expected_start_time": day}}),
        ("/flows/paginate", {"flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}},
                                           "expected_start_time": day}, "sort": "UPDATED_DESC"}),
        ("/flow_runs/filter", {"sort": "ID_DESC", "offset": 0, "limit": 1}),
        ("/flow_runs/filter", {"flow_runs": {"expected_start_time": day}, "sort": "START_TIME_DESC", "limit": 42}),
        ("/flow_runs/paginate", {"page": 1, "limit": 100, "sort": "START_TIME_DESC",
                                 **({"flow_runs": {"expected_start_time": week}} if i % 2 else {})}),
        ("/task_runs/paginate", {"page": 1, "limit": 100, "sort": "EXPECTED_START_TIME_DESC",
                                 **({"flow_runs": {"expected_start_time": week}} if i % 2 else {})}),
        ("/ui/flow_runs/count-task-runs", {"flow_run_ids": [w4_loader.run_id(n) for n in range(first, first + 100)]}),
    )
    return dict(zip(CALLS, bodies))


def normalised(label: str, status, answer):
    """What must be equal on both servers: the ids in order (and state types) of a list of runs,
    the (completed, failed) pair of each bucket, the per-state counts of a history interval,
    the count, the lateness to the millisecond; for pages, the total and the page's length
    (and the ids where the sort has no ties: flow runs by start time; flows as a set)."""
    if status != 200:
        return ("status", status)
    if isinstance(answer, dict) and "results" in answer:
        ids = [a["id"] for a in answer["results"]]
        if label.startswith("flows/"):
            ids = sorted(ids)
        elif label.startswith("task_runs/"):
            ids = len(ids)  # ten task runs of a flow run share their expected start time
        return (answer["count"], ids)
    if isinstance(answer, list):
        return [(a["id"], a.get("state_type")) if "id" in a else
                sorted((s["state_type"], s["count_runs"]) for s in a["states"]) if "states" in a else
                (a.get("completed"), a.get("failed")) for a in answer]
    if isinstance(answer, float):
        return round(answer, 3)
    return answer


def time_call(server: Server, label: str, base: float, flow_runs: int, samples: int, budget: float) -> dict:
    """Times up to `samples` variants of one call (fewer when `budget` seconds run out, at least
    MIN_SAMPLES); returns the timings and, under "answers", each sample's normalised answer
    (bench.py drops it from the raw results after the comparison)."""
    client = Client(server, timeout=120)
    latencies, answers, status, t_start = [], [], None, time.monotonic()
    for i in range(samples):
        path, body = variant(base, flow_runs, i)[label]
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
        answers.append(normalised(label, status, answer))
        if len(latencies) >= MIN_SAMPLES and time.monotonic() - t_start > budget:
            break
    client.close()
    n = len(latencies)
    out = {"status": status, "samples": n, "p50_ms": round(percentile(latencies, 50), 2),
           "max_ms": round(max(latencies), 2), "answers": answers}
    if n >= P99_MIN_SAMPLES:
        out["p99_ms"] = round(percentile(latencies, 99), 2)
    return out


def compare(p: dict, q: dict) -> dict:
    """Compares the normalised answers of the samples both servers ran; the result goes under
    both servers' "comparison" and a mismatch fails the run (bench.py)."""
    compared, nonempty, mismatches = 0, 0, []
    for label in CALLS:
        a, b = p["calls"][label].pop("answers", []), q["calls"][label].pop("answers", [])
        for i, (x, y) in enumerate(zip(a, b)):
            compared += 1
            nonempty += bool(x) and not (isinstance(x, list) and all(v == (0, 0) for v in x))
            if x != y:
                mismatches.append({"call": label, "sample": i, "praetor": str(x)[:300], "prefect": str(y)[:300]})
        p["calls"][label]["compared"] = q["calls"][label]["compared"] = min(len(a), len(b))
    return {"compared": compared, "nonempty": nonempty, "mismatches": len(mismatches),
            "first_mismatches": mismatches[:5]}


def run_all(cfg: Config) -> dict[str, dict]:
    dirs = {}
    for kind in kinds():  # an empty server run creates the schema through the server's own migrations
        server = Server(kind)
        server.stop(keep=True)
        dirs[kind] = server.dir
    db = {kind: dirs[kind] / ("praetor.db" if kind == "praetor" else "prefect.db") for kind in kinds()}
    # A quarter past a whole second: run times fall at .25 and .75 s, never on a window's
    # whole-second bound, so both servers' time precisions (µs, ms) agree on every bound.
    base = int(time.time()) + 0.25
    target, loaded, load_seconds, index_seconds = load(db, cfg, base)
    results = {}
    samples, call_budget = cfg.pick(100, 200), cfg.pick(5.0, 20.0)
    for kind in kinds():
        server = Server(kind, data_dir=dirs[kind])
        entry = {"target_flow_runs": target, "flow_runs": loaded, "task_runs": 10 * loaded, "load_seconds": round(load_seconds[kind], 1),
                 "index_seconds": round(index_seconds[kind], 1),
                 "db_mb": round(os.path.getsize(db[kind]) / 2**20, 1),
                 "ready_seconds": round(server.ready_seconds, 2), "calls": {}}
        try:
            for label in CALLS:
                entry["calls"][label] = time_call(server, label, base, loaded, samples, call_budget)
            entry["rss_mb"] = round(server.rss_mb(), 1)
        finally:
            server.stop()
        print(f"   W4 {kind}: { {k: v for k, v in entry.items() if k != 'calls'} }", flush=True)
        results[kind] = entry
    if len(results) == len(KINDS):
        comparison = compare(results["praetor"], results["prefect"])
        print(f"   W4 answers: {comparison}", flush=True)
        for kind in kinds():
            results[kind]["comparison"] = comparison
    return results


def _cell(c: dict) -> str:
    if c["status"] == "missing":
        return "missing"
    if c["status"] != 200:
        return f"{c['status']}"
    tail = f"{c['p99_ms']:.1f}" if "p99_ms" in c else f"max {c['max_ms']:.1f}"
    return f"{c['p50_ms']:.1f} / {tail} (n={c['samples']})"


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    def loaded(r):
        return f"{r['flow_runs']:,} / {r['task_runs']:,} ({r['load_seconds']} + {r.get('index_seconds', 0)})"

    out = [("W4 rows loaded: flow runs / task runs (load s + index rebuild s)", loaded(p), loaded(q), "")]
    for label, pc in p["calls"].items():
        qc = q["calls"][label]
        r = ratio(qc.get("p50_ms"), pc.get("p50_ms")) + " lower p50" if "p50_ms" in pc and "p50_ms" in qc else ""
        out.append((f"W4 {label} p50 / p99, or max when n < {P99_MIN_SAMPLES} (ms)", _cell(pc), _cell(qc), r))
    cmp = p.get("comparison", {})
    out.append(("W4 answers compared (ids in order, counts, buckets; each sample both servers ran)",
                f"{cmp.get('compared', 0)} samples ({cmp.get('nonempty', '?')} with rows or a count > 0)",
                f"{cmp.get('mismatches', '?')} differ",
                "must be 0" if not cmp.get("mismatches") else "**MISMATCH: run failed**"))
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


if __name__ == "__main__":  # one or both servers at the size BENCH_W4_RUNS names; prints each call's row
    budget = float(os.environ.get("BENCH_W4_BUDGET", "1800"))
    cfg = Config(quick=False, started=time.monotonic() - 1350.0 + budget + 440)
    for kind, r in run_all(cfg).items():
        print(f"{kind}: {r['flow_runs']:,} flow runs / {r['task_runs']:,} task runs, load {r['load_seconds']} s "
              f"+ index {r['index_seconds']} s, DB {r['db_mb']} MB, RSS {r.get('rss_mb')} MB")
        for label, c in r["calls"].items():
            c.pop("answers", None)
            print(f"| {label} | {_cell(c)} |")
