"""W6 scheduler at scale: N active deployments with mixed schedules (hourly interval, hourly
cron, daily rrule, weekly cron, daily interval), then the time the scheduler service takes
to give every one its runs.

Each server kind is started twice on one database: first with the scheduler disabled while
the deployments are created (concurrently through the API), then, once the deployments are
older than the fast "recent deployments" pass looks back, again with the scheduler enabled
and the same main-loop interval on both (PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS).
The clock starts when the restarted server answers and stops when POST /flow_runs/count
reaches the expected total. Every schedule repeats at most hourly, so with the default
min_runs (3) and min_scheduled_time (1 h) each deployment gets exactly 3 runs.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from harness import KINDS, Client, Config, Sampler, Server, ratio

KEY = "w6"
OWN_SERVER = True
LOOP_SECONDS = 5
RUNS_PER_DEPLOYMENT = 3
CREATORS = 8
SCHEDULES = [
    {"interval": 3600, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"},
    {"cron": "0 * * * *", "timezone": "UTC"},
    {"rrule": "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", "timezone": "America/New_York"},
    {"cron": "30 4 * * 1", "timezone": "Europe/Berlin"},
    {"interval": 86400, "anchor_date": "2026-01-01T12:00:00Z", "timezone": "UTC"},
]


def deployments_for(cfg: Config) -> int:
    return cfg.pick(1000, 10000)


def _create(server: Server, n: int) -> float:
    """Creates one flow and n deployments of it, each with one active schedule; seconds taken."""
    setup = Client(server)
    status, flow = setup.post("/flows/", {"name": "w6-flow"})
    if status not in (200, 201):
        raise RuntimeError(f"flow create: {status} {flow}")
    setup.close()
    flow_id = flow["id"]

    def work(part: int) -> None:
        client = Client(server)
        for i in range(part, n, CREATORS):
            body = {"name": f"w6-{i}", "flow_id": flow_id,
                    "schedules": [{"schedule": SCHEDULES[i % len(SCHEDULES)], "active": True}]}
            # 503 = retryable database contention (Prefect's SQLite lock); the SDK retries it too.
            status, resp = client.post_setup("/deployments/", body, attempts=40)
            if status not in (200, 201):
                raise RuntimeError(f"deployment create: {status} {resp}")
        client.close()

    t0 = time.monotonic()
    with ThreadPoolExecutor(CREATORS) as pool:
        for f in [pool.submit(work, p) for p in range(CREATORS)]:
            f.result()
    return time.monotonic() - t0


def _count(client: Client) -> int:
    status, n = client.post("/flow_runs/count", {})
    return int(n) if status == 200 else -1


def run_one(kind: str, n: int, budget: float) -> dict:
    env = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(LOOP_SECONDS)}
    loading = Server(kind, extra_env={**env, "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"})
    try:
        create_seconds = _create(loading, n)
        created_at = time.monotonic()
    finally:
        loading.stop(keep=True)
    # Let the deployments age past the fast pass's look-back (its loop + 1 s) so only the
    # main pass schedules them.
    time.sleep(max(0.0, 7.0 - (time.monotonic() - created_at)))
    expected = n * RUNS_PER_DEPLOYMENT
    server = Server(kind, data_dir=loading.dir, extra_env=env)
    t0 = time.monotonic()
    client = Client(server)
    seen, done = 0, None
    try:
        with Sampler(server) as s:
            while time.monotonic() - t0 < budget:
                seen = _count(client)
                if seen >= expected:
                    done = time.monotonic() - t0
                    break
                time.sleep(0.1)
        cpu = s.cpu_seconds
        peak = s.peak_rss_mb
    finally:
        client.close()
        server.stop()
    res = {"deployments": n, "expected_runs": expected, "runs_seen": seen,
           "create_seconds": round(create_seconds, 1), "create_per_second": round(n / create_seconds, 1),
           "schedule_seconds": round(done, 2) if done is not None else None,
           "server_cpu_seconds": round(cpu, 2), "peak_rss_mb": round(peak, 1)}
    print(f"   W6 {kind}: {res}", flush=True)
    return res


def run_all(cfg: Config) -> dict[str, dict]:
    n = deployments_for(cfg)
    # The wait for the scheduler is bounded by what is left of the run's budget.
    return {kind: run_one(kind, n, max(30.0, min(cfg.pick(90.0, 600.0), cfg.seconds_left() / 2))) for kind in KINDS}


def _secs(r: dict) -> str:
    return f"{r['schedule_seconds']:.2f}" if r["schedule_seconds"] is not None else f"> budget ({r['runs_seen']} runs)"


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    return [
        (f"W6 time to schedule {p['deployments']} deployments (s, loop {LOOP_SECONDS} s)", _secs(p), _secs(q),
         f"**{ratio(q['schedule_seconds'], p['schedule_seconds'])}**"),
        ("W6 server CPU while scheduling (s)", f"{p['server_cpu_seconds']}", f"{q['server_cpu_seconds']}",
         f"{ratio(q['server_cpu_seconds'], p['server_cpu_seconds'])} less"),
        ("W6 deployment creates/s (8 clients, set-up)", f"{p['create_per_second']}", f"{q['create_per_second']}",
         ratio(p["create_per_second"], q["create_per_second"])),
    ]


def notes(p: dict, q: dict) -> list[str]:
    out = []
    for kind, r in (("Praetor", p), ("Prefect", q)):
        if r["schedule_seconds"] is None:
            out.append(f"W6: {kind} had scheduled {r['runs_seen']} of {r['expected_runs']} runs when the budget ran out.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    if not p["schedule_seconds"] or not q["schedule_seconds"]:
        return []
    return [("W6 scheduler pass", q["schedule_seconds"] / p["schedule_seconds"])]
