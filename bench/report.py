"""The benchmark report: a Markdown table (headline: Praetor/Prefect per workload), a PNG
chart of the ratios, the issue's targets checked against the numbers, and the raw JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys

from harness import ROOT, Config
from workloads import WORKLOADS


def targets(p: dict, q: dict) -> list[str]:
    """The issue's targets, each as a line 'met' / 'MISSED' with the measured value."""
    out = []

    def check(name: str, ok: bool, detail: str) -> None:
        out.append(f"- {'met' if ok else '**MISSED**'}: {name} — {detail}")

    if "w1" in p and "w1" in q:
        a, b = p["w1"]["64"], q["w1"]["64"]
        f = a["runs_per_second"] / b["runs_per_second"] if b["runs_per_second"] else 0
        check("W1 ≥ 20× Prefect's throughput at 64 clients", f >= 20, f"{f:.1f}×")
        check("W1 p99 ≤ 10 ms at 64 clients", a["p99_ms"] <= 10, f"{a['p99_ms']:.2f} ms")
    if "w2" in p and "w2" in q:
        a, b = p["w2"], q["w2"]
        f = a["events_per_second"] / b["events_per_second"] if b["events_per_second"] else 0
        check("W2 ≥ 20× Prefect's event ingestion", f >= 20 and a["complete"], f"{f:.1f}×")
    if "w4" in p:
        m = p["w4"]["flow_runs"]
        for label, c in p["w4"]["calls"].items():
            if c["status"] == "missing":
                check(f"W4 {label} ≤ 100 ms at {m:,} runs", False, "endpoint missing in Praetor")
            elif c["status"] != 200:
                check(f"W4 {label} ≤ 100 ms at {m:,} runs", False, f"status {c['status']}")
            else:
                tail, name = (c["p99_ms"], "p99") if "p99_ms" in c else (c["max_ms"], f"max of {c['samples']}")
                check(f"W4 {label} ≤ 100 ms at {m:,} runs", tail <= 100, f"{name} {tail:.1f} ms (n={c['samples']})")
        if "w4" in q and "comparison" in p["w4"]:
            cmp = p["w4"]["comparison"]
            check("W4 answers equal on both servers", cmp["mismatches"] == 0 and cmp["compared"] > 0,
                  f"{cmp['compared']} samples compared, {cmp['mismatches']} differ")
        if m < p["w4"]["target_flow_runs"]:
            out.append(f"- note: W4 loaded {m:,} flow runs, not {p['w4']['target_flow_runs']:,}: the loading budget ran out")
        if m < 1_000_000:
            out.append(f"- note: the W4 target is stated at 1,000,000 flow runs; this run has {m:,}")
    if "w7" in p:
        a = p["w7"]
        check("W7 ingest drop with 1,000 automations < 20%", a["ingest_drop"] is not None and a["ingest_drop"] < 0.2,
              f"{a['ingest_drop']:.0%}" if a["ingest_drop"] is not None else "n/a")
        lat = a["latency_under_load"]
        check("W7 trigger latency p99 ≤ 500 ms (under the stream)", lat["p99_ms"] is not None and lat["p99_ms"] <= 500,
              ", ".join(f"{name} " + (f"{lat[key]:.0f} ms" if lat[key] is not None else f"> {lat['waited_seconds']} s")
                        for name, key in (("p50", "p50_ms"), ("p99", "p99_ms")))
              + f", {lat['executed']}/{lat['markers']} executed")
    if "w5" in p:
        check("W5 start ≤ 100 ms", p["w5"]["ready_seconds"] <= 0.1, f"{1000 * p['w5']['ready_seconds']:.0f} ms")
        check("W5 idle RSS ≤ 30 MB", p["w5"]["idle_rss_mb"] <= 30, f"{p['w5']['idle_rss_mb']} MB")
    return out


def write(results: dict, workloads: list, cfg: Config, commit: str, seconds: float) -> str:
    p, q = results["praetor"], results["prefect"]
    rows = ["| Workload | Praetor | Prefect 3.9.1 | Praetor/Prefect |", "|---|---|---|---|"]
    bars, notes = [], []
    for w in workloads:
        if w.KEY in p and w.KEY in q:
            rows += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in w.rows(p[w.KEY], q[w.KEY], cfg)]
            bars += w.chart(p[w.KEY], q[w.KEY])
            if hasattr(w, "notes"):
                notes += w.notes(p[w.KEY], q[w.KEY])
    pg_rows, pg_text = _postgres_rows(results, workloads, cfg, bars)
    rows += pg_rows
    out_dir = ROOT / "bench/results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    mode = "quick" if cfg.quick else "full"
    # A quick or partial run never overwrites the full run's report of the same commit.
    only = "" if len(workloads) == len(WORKLOADS) else "-only-" + "-".join(w.KEY for w in workloads)
    base = out_dir / f"{stamp}-{commit}{'-quick' if cfg.quick else ''}{only}"
    md = (f"# Benchmark {stamp}, commit {commit} ({mode})\n\n"
          f"Machine: {os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, loopback; Python "
          f"{sys.version.split()[0]}. Each server on a fresh SQLite database and its own port{pg_text}. "
          f"Whole run: {seconds:.0f} s ({_elapsed(results, workloads)}). "
          f"Reproduce: `bench/run{' --quick' if cfg.quick else ''}`.\n\n"
          + "\n".join(rows)
          + "\n\nRatios: throughput is Praetor ÷ Prefect; for latency, RSS and start-up the column says how many "
          "times lower Praetor's value is.\n\n"
          f"![Praetor/Prefect ratios]({base.name}.png)\n\n## Targets (issue: Benchmarks)\n\n"
          + "\n".join(targets(p, q))
          + "\n\n## Where the time goes\n\n" + ("\n".join(f"- {n}" for n in notes) or "- nothing to note")
          + f"\n\n<details><summary>raw results</summary>\n\n```json\n{json.dumps(results, indent=2)}\n```\n</details>\n")
    base.with_suffix(".md").write_text(md)
    _chart(bars, commit, base.with_suffix(".png"))
    return md


def _postgres_rows(results: dict, workloads: list, cfg: Config, bars: list) -> tuple[list[str], str]:
    """Table rows for the workloads that also ran on PostgreSQL (both servers on the same
    cluster, so the ratio column compares like with like), and the header's sentence."""
    pp, qp = results.get("praetor-pg"), results.get("prefect-pg")
    if pp is None:
        return [], ""
    out = []
    for w in workloads:
        if not getattr(w, "POSTGRES", False) or w.KEY not in pp:
            continue
        if qp is None or w.KEY not in qp:
            out.append(f"| PostgreSQL: {w.KEY.upper()} | ran | Prefect on PostgreSQL did not run | |")
            continue
        out += [f"| PostgreSQL: {a} | {b} | {c} | {d} |" for a, b, c, d in w.rows(pp[w.KEY], qp[w.KEY], cfg)]
        bars += [(f"PostgreSQL: {label}", factor) for label, factor in w.chart(pp[w.KEY], qp[w.KEY])]
    cluster = results.get("postgres-cluster", {})
    settings = ", ".join(f"{k}={v}" for k, v in cluster.items())
    text = (f"; rows marked PostgreSQL: each server on a fresh database of one local PostgreSQL cluster "
            f"({settings or 'settings unknown'}), Prefect through asyncpg. The PostgreSQL rows are the like-for-like "
            "comparison of the write paths: on SQLite Prefect's writers contend for one database lock and answer "
            "503 when it times out, which Praetor's single group-committing writer avoids")
    return out, text


def _elapsed(results: dict, workloads: list) -> str:
    """'w1 12 s, w2 30 s, …': each workload's wall time summed over servers and backends."""
    parts = []
    for w in workloads:
        total = sum(r[w.KEY].get("workload_seconds", 0) for k, r in results.items()
                    if isinstance(r, dict) and k != "postgres-cluster" and w.KEY in r)
        if w.OWN_SERVER:  # own-server workloads record the same wall time under each kind
            total /= max(1, sum(1 for r in results.values() if isinstance(r, dict) and w.KEY in r))
        parts.append(f"{w.KEY} {total:.0f} s")
    return ", ".join(parts)


def _chart(bars: list[tuple], commit: str, path) -> None:
    if not bars:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
        return
    labels = [b[0] for b in bars]
    values = [b[1] for b in bars]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.2))
    ax.barh(labels, values, color=["tab:green" if v >= 1 else "tab:red" for v in values])
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.invert_yaxis()
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.1f}×", va="center", fontsize=8)
    ax.set_xlabel("Praetor better by (× , log scale; throughput ratio or inverse latency/RSS ratio)")
    ax.set_title(f"Praetor vs Prefect 3.9.1 ({commit})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
