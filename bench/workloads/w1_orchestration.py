"""W1 orchestration API: the C++ closed-loop driver (bench/load_driver.cpp) runs, per flow run,
POST /flows/ + POST /flow_runs/ + set_state RUNNING + set_state COMPLETED over 16 and 64
keep-alive connections, for a fixed window after a warm-up (a run counts when it ends inside
the window, a request when its answer comes inside it; runs/s = completed runs / window).

Two client behaviours at 64 clients: the first non-2xx answer ends a run (a failed run: the
plain rows), and a client that retries 408/429/502/503 with the prefect SDK's backoff (the
"SDK retries" rows), so Prefect's ratio is not read as Prefect failing fast. Reports runs/s,
runs completed and failed, the share of requests that failed, per-request latency p50, p99,
p99.9 and max with the sample count, p99/p99.9 corrected for coordinated omission (the driver
is closed-loop: bench/latency.h), peak server RSS, and the driver's share of the CPU used by
driver + server."""

from __future__ import annotations

import json
import subprocess

from harness import BENCH_BIN, Config, Sampler, Server, ratio

KEY = "w1"
OWN_SERVER = False
POSTGRES = True  # also run on PostgreSQL (bench.py)
CLIENTS = (16, 64)
RETRY_CLIENTS = 64


def window(kind: str, clients: int, retry: bool, cfg: Config) -> tuple[float, float]:
    """(warm-up, measured window) in seconds. Praetor's 64-client window holds ~300k requests in
    the full run, so its p99.9 rests on ~300 samples; Prefect's holds a few thousand run
    attempts; its retrying client waits 2-62 s per retried request, so its window is long."""
    if kind == "praetor":
        full = {16: 10.0, 64: 20.0}[clients] if not retry else 10.0
        return cfg.pick(0.5, 1.0), cfg.pick(3.0, full)
    full = {16: 20.0, 64: 45.0}[clients] if not retry else 45.0
    return cfg.pick(0.5, 2.0), cfg.pick(8.0, full)


def drive(server: Server, clients: int, retry: bool, cfg: Config) -> dict:
    warmup, seconds = window(server.kind, clients, retry, cfg)
    cmd = [str(BENCH_BIN / "praetor_load_driver"), "--port", str(server.port), "--clients", str(clients),
           "--seconds", str(seconds), "--warmup", str(warmup), "--workload", "w1"] + (["--retry-503"] if retry else [])
    with Sampler(server) as s:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    if not proc.stdout.strip():
        raise RuntimeError(f"load driver failed: {proc.stderr}")
    res = json.loads(proc.stdout)
    res["window_seconds"] = seconds
    res["error_fraction"] = round(res["errors"] / res["requests"], 4) if res["requests"] else 0
    res["server_cpu_seconds"] = round(s.cpu_seconds, 2)
    res["peak_rss_mb"] = round(s.peak_rss_mb, 1)
    total = res["server_cpu_seconds"] + res["driver_cpu_seconds"]
    res["driver_cpu_share"] = round(res["driver_cpu_seconds"] / total, 3) if total else 0
    print(f"   W1 {clients} clients{' (SDK retries)' if retry else ''}: {res}", flush=True)
    return res


def run(server: Server, cfg: Config) -> dict:
    out = {str(c): drive(server, c, False, cfg) for c in CLIENTS}
    plain = out[str(RETRY_CLIENTS)]
    if plain["errors"]:
        out[f"{RETRY_CLIENTS}-retry"] = drive(server, RETRY_CLIENTS, True, cfg)
    else:  # a client that gets no failed answer never retries: the plain run is that run
        out[f"{RETRY_CLIENTS}-retry"] = dict(plain, same_as_plain=True)
    out["rss_after_mb"] = round(server.rss_mb(), 1)
    return out


def _outcome(r: dict) -> str:
    return (f"{r['runs']} done / {r['runs_failed']} failed of {r['runs_attempted']} ended in the window "
            f"({r['runs_unfinished']} still going at its close); "
            f"{r['errors']} of {r['requests']} requests failed ({r['error_fraction']:.1%})"
            + (f", {r['retries']} retries" if r.get("retry_503") else "")
            + (" (no failed answers: the plain run)" if r.get("same_as_plain") else ""))


def _latency(r: dict, digits: int) -> str:
    f = f"{{:.{digits}f}}"
    return " / ".join(f.format(r[k]) for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms")) + f" (n={r['samples']:,})"


def _rows_for(label: str, a: dict, b: dict) -> list[tuple]:
    return [
        (f"W1 flow runs/s, {label}", f"{a['runs_per_second']:.0f}", f"{b['runs_per_second']:.1f}",
         f"**{ratio(a['runs_per_second'], b['runs_per_second'])}**"),
        (f"W1 runs done / failed, failed requests, {label} ({a['window_seconds']:.0f} s / {b['window_seconds']:.0f} s "
         "window)", _outcome(a), _outcome(b), ""),
        (f"W1 request p50 / p99 / p99.9 / max (ms), {label}", _latency(a, 2), _latency(b, 1),
         f"{ratio(b['p99_ms'], a['p99_ms'])} lower p99"),
        (f"W1 p99 / p99.9 corrected for coordinated omission (ms), {label}",
         f"{a['co_p99_ms']:.2f} / {a['co_p999_ms']:.2f}", f"{b['co_p99_ms']:.1f} / {b['co_p999_ms']:.1f}", ""),
    ]


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    out = []
    for c in CLIENTS:
        a, b = p[str(c)], q[str(c)]
        out += _rows_for(f"{c} clients", a, b)
        out += [
            (f"W1 peak server RSS (MB) / driver CPU share, {c} clients",
             f"{a['peak_rss_mb']} / {a['driver_cpu_share']:.0%}", f"{b['peak_rss_mb']} / {b['driver_cpu_share']:.0%}",
             f"{ratio(b['peak_rss_mb'], a['peak_rss_mb'])} smaller"),
        ]
    key = f"{RETRY_CLIENTS}-retry"
    if key in p and key in q:
        out += _rows_for(f"{RETRY_CLIENTS} clients, SDK retries", p[key], q[key])
    out.append(("W5 RSS after W1 (MB)", f"{p['rss_after_mb']}", f"{q['rss_after_mb']}",
                f"{ratio(q['rss_after_mb'], p['rss_after_mb'])} smaller"))
    return out


def notes(p: dict, q: dict) -> list[str]:
    a = p["64"]
    out = [f"W1 latency: the driver is closed-loop (a client sends its next request when the previous one is "
           f"answered), so while a server stalls fewer requests are sent and timed (coordinated omission). The plain "
           f"percentiles are over the requests sent; the 'corrected' row adds, for each request slower than the mean "
           f"({a['mean_ms']:.2f} ms for Praetor at 64 clients), the requests a steady sender would have sent meanwhile "
           "(HdrHistogram's expected-interval method; an estimate, since the driver does not pace itself). Max is the "
           "slowest single request in the window."]
    if a["p99_ms"] > 10:
        out.append(f"W1: Praetor's p99 at 64 clients is {a['p99_ms']:.1f} ms (p50 {a['p50_ms']:.1f} ms). Every write "
                   "waits for its group's durable commit (synchronous=FULL); the W1 routes complete asynchronously "
                   "(no thread waits for the commit), so the tail follows the slowest commits (fsync outliers; the "
                   "server logs per-group run/commit times and the slowest commit at debug level). On a 2-core "
                   f"machine the driver (its CPU share was {a['driver_cpu_share']:.0%}) also competes.")
    b = q["64"]
    if b["errors"]:
        out.append(f"W1: Prefect answered {b['status_503']} of {b['requests']} requests at 64 clients with 503 (its "
                   "handler for retryable database errors: SQLite 'database is locked'); a 503 ends that run, so "
                   f"{b['runs_failed']} of its {b['runs_attempted']} runs failed and only completed runs count towards "
                   "its runs/s. The 'SDK retries' rows retry as the prefect client does instead; the PostgreSQL rows "
                   "(no database-wide write lock) are the like-for-like comparison.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    keys = [(str(c), f"W1 {c} clients") for c in CLIENTS] + [(f"{RETRY_CLIENTS}-retry", "W1 64 clients, SDK retries")]
    out = [(label, p[k]["runs_per_second"] / q[k]["runs_per_second"]) for k, label in keys
           if k in p and k in q and q[k]["runs_per_second"]]
    return out + [("W1 64 clients peak RSS", q["64"]["peak_rss_mb"] / p["64"]["peak_rss_mb"])]
