"""Side-by-side benchmark of Praetor and Prefect's own server (issue: Benchmarks).

Each server gets a fresh SQLite database and its own loopback port; the same workloads
(bench/workloads/, one module each) run against both; the report's headline is the ratio
Praetor/Prefect. Writes bench/results/<date>-<commit>.md and .png.

  bench/bench.py [--quick] [--only w1,w4]

Workloads with POSTGRES = True also run against both servers on PostgreSQL (a fresh
database per server on PRAETOR_PG_URL or scripts/pg.sh's cluster; skipped when none is
running); their results are under "praetor-pg" and "prefect-pg".
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402
from harness import KINDS, ROOT, Config, Server, postgres_cluster, postgres_settings  # noqa: E402
from workloads import WORKLOADS  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes and windows (about 4 minutes on an idle machine)")
    ap.add_argument("--only", default="", help="comma-separated workload keys, e.g. w1,w4 (default: all)")
    args = ap.parse_args()
    cfg = Config(quick=args.quick)
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    selected = [w for w in WORKLOADS if not only or w.KEY in only]
    t0 = time.monotonic()

    results: dict[str, dict] = {kind: {} for kind in KINDS}
    shared = [w for w in selected if not w.OWN_SERVER]
    if shared:
        for kind in KINDS:
            print(f"== {kind}", flush=True)
            server = Server(kind)
            try:
                for w in shared:
                    s = time.monotonic()
                    results[kind][w.KEY] = w.run(server, cfg)
                    results[kind][w.KEY]["workload_seconds"] = round(time.monotonic() - s, 1)
                    print(f"   {w.KEY} on {kind}: {time.monotonic() - s:.1f} s", flush=True)
            finally:
                server.stop()
    for w in selected:
        if w.OWN_SERVER:
            print(f"== {w.KEY} (own servers)", flush=True)
            s = time.monotonic()
            for kind, res in w.run_all(cfg).items():
                results[kind][w.KEY] = res
                results[kind][w.KEY]["workload_seconds"] = round(time.monotonic() - s, 1)
            print(f"   {w.KEY}: {time.monotonic() - s:.1f} s", flush=True)

    on_pg = [w for w in shared if getattr(w, "POSTGRES", False)]
    cluster = postgres_cluster() if on_pg else None
    if on_pg and not cluster:
        print("== no PostgreSQL cluster (PRAETOR_PG_URL or scripts/pg.sh start): no PostgreSQL column", flush=True)
    if cluster:
        results["postgres-cluster"] = postgres_settings(cluster)
    for kind in KINDS if cluster else ():
        # Last in the run: Prefect on PostgreSQL only when the run's budget still has room for it.
        if kind == "prefect" and cfg.seconds_left() < cfg.pick(60, 200):
            print(f"== prefect on PostgreSQL skipped: {cfg.seconds_left():.0f} s left in the run's budget", flush=True)
            continue
        print(f"== {kind} on PostgreSQL", flush=True)
        results[f"{kind}-pg"] = {}
        try:
            server = Server(kind, postgres=cluster)
        except RuntimeError as e:
            print(f"   {kind} on PostgreSQL did not start: {str(e)[-300:]}", flush=True)
            continue
        try:
            for w in on_pg:
                s = time.monotonic()
                results[f"{kind}-pg"][w.KEY] = w.run(server, cfg)
                results[f"{kind}-pg"][w.KEY]["workload_seconds"] = round(time.monotonic() - s, 1)
                print(f"   {w.KEY} on {kind} (PostgreSQL): {time.monotonic() - s:.1f} s", flush=True)
        finally:
            server.stop()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    md = report.write(results, selected, cfg, commit, time.monotonic() - t0)
    print(md)
    cmp = results["praetor"].get("w4", {}).get("comparison", {})
    if cmp.get("mismatches") or (cmp and not cmp.get("compared")):
        print(f"W4: the servers' answers differ ({cmp.get('mismatches')} of {cmp.get('compared')} samples): run failed",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
