"""W2 event ingestion: the C++ sender (bench/event_sender.cpp) opens C WebSocket clients on
/api/events/in and sends, for N task runs, the four task-run state events the 3.9.1 client
emits (Pending, Running, Retrying, Completed). The flow runs they belong to are created over
REST first (Prefect's recorder needs them). Measured end to end: from the sender's start
until `POST /task_runs/count` with a COMPLETED state filter has grown by N.

The count is polled once a second, and every 50 ms only in the last half second before the
end projected from the progress so far, so the polls do not load the server being measured
(a count every 20 ms cost Prefect's server about 10%); the report gives the number of polls."""

from __future__ import annotations

import json
import subprocess
import time

from harness import BENCH_BIN, Client, Config, Sampler, Server, ratio

KEY = "w2"
OWN_SERVER = False
POSTGRES = True  # also run on PostgreSQL (bench.py)
CLIENTS = 4
TASK_RUNS_PER_FLOW_RUN = 100
COMPLETED = {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
POLL_SECONDS = 1.0
NEAR_END_POLL_SECONDS = 0.05
NEAR_END_SECONDS = 0.5


def task_runs_for(kind: str, cfg: Config) -> int:
    return cfg.pick(5000, 20000) if kind == "praetor" else cfg.pick(500, 2500)


def completed_count(client: Client) -> int:
    status, body = client.post_setup("/task_runs/count", COMPLETED)
    if status != 200:
        raise RuntimeError(f"/task_runs/count -> {status} {body}")
    return int(body)


def next_poll_in(visible: int, n: int, elapsed: float) -> float:
    """Seconds to the next count: POLL_SECONDS, shortened to reach NEAR_END_SECONDS before the
    end projected from the rate so far, and NEAR_END_POLL_SECONDS from there on."""
    if visible <= 0:
        return POLL_SECONDS
    projected_left = (n - visible) * elapsed / visible
    return max(NEAR_END_POLL_SECONDS, min(POLL_SECONDS, projected_left - NEAR_END_SECONDS))


def create_flow_runs(server: Server, n: int, flow_name: str = "bench-w2", flow_runs: int | None = None
                     ) -> tuple[str, list[str]]:
    """The flow and the RUNNING flow runs that n task runs' events belong to (one per
    TASK_RUNS_PER_FLOW_RUN unless `flow_runs` is given): (flow id, flow run ids)."""
    client = Client(server)
    _, flow = client.post_setup("/flows/", {"name": flow_name})
    refs = []
    for i in range(flow_runs or (n + TASK_RUNS_PER_FLOW_RUN - 1) // TASK_RUNS_PER_FLOW_RUN):
        status, run = client.post_setup("/flow_runs/", {"flow_id": flow["id"], "name": f"{flow_name}-{i}",
                                                  "state": {"type": "RUNNING", "name": "Running"}})
        if status >= 300:
            raise RuntimeError(f"/flow_runs/ -> {status} {run}")
        refs.append(f"{run['id']} {run['name']} {flow['id']} {flow_name}")
    client.close()
    (server.dir / f"{flow_name}-flow-runs.txt").write_text("\n".join(refs) + "\n")
    return flow["id"], [r.split()[0] for r in refs]


def sender_command(server: Server, n: int, refs_file) -> list[str]:
    """The event sender's command line for n task runs of the flow runs in refs_file."""
    return [str(BENCH_BIN / "praetor_event_sender"), "--port", str(server.port), "--clients", str(CLIENTS),
            "--task-runs", str(n), "--flow-runs", str(refs_file)]


def run(server: Server, cfg: Config) -> dict:
    n = task_runs_for(server.kind, cfg)
    create_flow_runs(server, n)
    res = stream(server, cfg, n)
    print(f"   W2: {res}", flush=True)
    return res


def stream(server: Server, cfg: Config, n: int, flow_name: str = "bench-w2") -> dict:
    """Sends the events of n task runs of the flow runs create_flow_runs(server, n, flow_name)
    made and measures them end to end."""
    client = Client(server)
    refs_file = server.dir / f"{flow_name}-flow-runs.txt"
    target = completed_count(client) + n
    timeout = cfg.pick(90, 300)
    visible, polls, poll_seconds = 0, 0, 0.0
    with Sampler(server) as s:
        t0 = time.monotonic()
        sender = subprocess.Popen(sender_command(server, n, refs_file), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        while time.monotonic() - t0 < timeout:
            p0 = time.monotonic()
            visible = completed_count(client) - (target - n)
            polls, poll_seconds = polls + 1, poll_seconds + time.monotonic() - p0
            if visible >= n:
                break
            time.sleep(next_poll_in(visible, n, time.monotonic() - t0))
        seconds = time.monotonic() - t0
        out, err = sender.communicate(timeout=120)
    client.close()
    if not out.strip():
        raise RuntimeError(f"event sender failed: {err}")
    res = json.loads(out)
    res.update(
        task_runs_visible=visible,
        complete=visible >= n,
        end_to_end_seconds=round(seconds, 3),
        events_per_second=round(4 * visible / seconds, 1),
        task_runs_per_second=round(visible / seconds, 1),
        count_polls=polls,
        count_poll_seconds=round(poll_seconds, 3),
        server_cpu_seconds=round(s.cpu_seconds, 2),
        peak_rss_mb=round(s.peak_rss_mb, 1),
    )
    total = res["server_cpu_seconds"] + res["sender_cpu_seconds"]
    res["sender_cpu_share"] = round(res["sender_cpu_seconds"] / total, 3) if total else 0
    if err.strip():
        res["sender_stderr"] = err.strip()[:300]
    return res


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    def done(r):
        return "" if r["complete"] else f" (only {r['task_runs_visible']}/{r['task_runs']} visible, timed out)"

    return [
        ("W2 events/s, end to end (task runs × 4 states, 4 WS clients)", f"{p['events_per_second']:.0f}{done(p)}",
         f"{q['events_per_second']:.0f}{done(q)}", f"**{ratio(p['events_per_second'], q['events_per_second'])}**"),
        ("W2 task runs / sender seconds / end-to-end seconds", f"{p['task_runs']} / {p['seconds']:.2f} / "
         f"{p['end_to_end_seconds']:.2f}", f"{q['task_runs']} / {q['seconds']:.2f} / {q['end_to_end_seconds']:.2f}", ""),
        ("W2 peak server RSS (MB)", f"{p['peak_rss_mb']}", f"{q['peak_rss_mb']}",
         f"{ratio(q['peak_rss_mb'], p['peak_rss_mb'])} smaller"),
        ("W2 sender CPU share", f"{p['sender_cpu_share']:.0%}", f"{q['sender_cpu_share']:.0%}", ""),
        ("W2 count polls (1 s apart, 50 ms near the end) / seconds the server spent answering them",
         f"{p.get('count_polls', '–')} / {p.get('count_poll_seconds', '–')}",
         f"{q.get('count_polls', '–')} / {q.get('count_poll_seconds', '–')}", ""),
    ]


def notes(p: dict, q: dict) -> list[str]:
    out = []
    if p["seconds"] < p["end_to_end_seconds"] / 3:
        out.append(f"W2: Praetor read all frames in {p['seconds']:.2f} s but needed {p['end_to_end_seconds']:.1f} s "
                   f"until the task runs were visible (peak RSS {p['peak_rss_mb']} MB). /events/in is bounded "
                   "(the sockets stop reading while 1000 events wait for the bus's subscribers), so the backlog "
                   "should not wait in memory; check the server's log.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    return [("W2 events/s", p["events_per_second"] / q["events_per_second"])] if q["events_per_second"] else []
