"""W7 automations: the W2 event stream (bench/workloads/w2_events.py) through 1,000 loaded
automations, on a fresh server of each kind.

1. The stream without automations: end-to-end events/s, as W2 measures it.
2. 1,000 automations are created (8 clients): a mix of reactive, proactive and compound
   triggers over the stream's own events, each watching the task runs of one of
   FLOW_RUNS flow runs, so every event is matched by a few automations and moves their
   buckets (thresholds and windows are such that none of them fires during the run), and
   MARKER_AUTOMATIONS reactive ones on a marker event with a do-nothing action.
3. The same stream again (new task runs of new flow runs) with the automations: the
   drop in events/s is the cost of evaluating them (target: under 20%). Meanwhile a marker
   event is sent every 1/MARKERS_PER_SECOND s over /events/in; trigger latency is the time
   from the marker's `received` (the server's acceptance stamp) to the `occurred` of the
   `prefect.automation.action.executed` event of the do-nothing action it triggered
   (target p99 ≤ 500 ms).
4. Idle: IDLE_MARKERS more markers after the stream, the latency without load.
5. The automations are disabled and the stream runs a third time, without them. The drop
   is measured against the mean of the streams before and after: a server's events/s
   changes as its database grows by a stream (on a 2-core machine by up to a fifth between
   the first and second stream with no automations at all), so comparing the second stream
   with the first alone charged that growth to the automations.

Both servers get the same automations and the same number of flow runs, so an event costs
the same matching work on both; they differ only in the number of task runs (as in W2).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from websockets.sync.client import connect

from harness import KINDS, Client, Config, Server, percentile, ratio
from workloads import w2_events

KEY = "w7"
OWN_SERVER = True
AUTOMATIONS = 1000
MARKER_AUTOMATIONS = 10
FLOW_RUNS = 100
MARKERS_PER_SECOND = 20
IDLE_MARKERS = 40
CREATORS = 8
NEVER = 1_000_000  # a reactive threshold the run never reaches
HOUR = 3600
MARKER = "bench.w7.marker"
EXECUTED = "prefect.automation.action.executed"
STATES = ["prefect.task-run.Pending", "prefect.task-run.Running", "prefect.task-run.Retrying",
          "prefect.task-run.Completed"]


def task_runs_for(kind: str, cfg: Config) -> int:
    return cfg.pick(5000, 20000) if kind == "praetor" else cfg.pick(500, 1000)


def _of_flow_run(flow_run_id: str) -> dict:
    return {"prefect.resource.role": "flow-run", "prefect.resource.id": f"prefect.flow-run.{flow_run_id}"}


def _event_trigger(expect: str, flow_run_id: str, posture: str = "Reactive", threshold: int = NEVER) -> dict:
    return {"type": "event", "expect": [expect], "match_related": _of_flow_run(flow_run_id), "posture": posture,
            "threshold": threshold, "within": HOUR}


def automations(flow_run_ids: list[str]) -> list[dict]:
    """The 1,000 automations: markers first, then reactive (half), proactive and compound
    (a quarter each) on the stream's events of one flow run each."""
    do_nothing = [{"type": "do-nothing"}]
    out = []
    for i in range(AUTOMATIONS):
        fr = flow_run_ids[i % len(flow_run_ids)]
        if i < MARKER_AUTOMATIONS:
            trigger = {"type": "event", "expect": [MARKER], "match": {"prefect.resource.id": f"{MARKER}.{i}"},
                       "posture": "Reactive", "threshold": 1, "within": 0}
        elif i % 4 in (0, 1):  # counts one state's events of its flow run; fires at NEVER
            trigger = _event_trigger(STATES[(i // 4) % len(STATES)], fr)
        elif i % 4 == 2:  # expects a completed task run within the hour: satisfied
            trigger = _event_trigger("prefect.task-run.Completed", fr, posture="Proactive", threshold=1)
        else:  # all of: many running task runs, and one failed one (never comes)
            trigger = {"type": "compound", "require": "all", "within": HOUR,
                       "triggers": [_event_trigger("prefect.task-run.Running", fr),
                                    _event_trigger("prefect.task-run.Failed", fr, threshold=1)]}
        out.append({"name": f"w7-{i}", "trigger": trigger, "actions": do_nothing, "enabled": True})
    return out


def _create_automations(server: Server, bodies: list[dict]) -> tuple[list[str], float]:
    """Creates them concurrently; (ids in order, seconds)."""
    ids: list[str | None] = [None] * len(bodies)

    def work(part: int) -> None:
        client = Client(server)
        for i in range(part, len(bodies), CREATORS):
            status, resp = client.post_setup("/automations/", bodies[i], attempts=40)
            if status not in (200, 201):
                raise RuntimeError(f"automation create: {status} {resp}")
            ids[i] = resp["id"]
        client.close()

    t0 = time.monotonic()
    with ThreadPoolExecutor(CREATORS) as pool:
        for f in [pool.submit(work, p) for p in range(CREATORS)]:
            f.result()
    return [i for i in ids if i], time.monotonic() - t0


def _set_enabled(server: Server, ids: list[str], enabled: bool) -> None:
    """PATCHes every automation's `enabled`, concurrently."""

    def work(part: int) -> None:
        client = Client(server)
        for i in range(part, len(ids), CREATORS):
            status, resp = client.post_setup(f"/automations/{ids[i]}", {"enabled": enabled}, attempts=40,
                                             method="PATCH")
            if status not in (200, 204):
                raise RuntimeError(f"automation update: {status} {resp}")
        client.close()

    with ThreadPoolExecutor(CREATORS) as pool:
        for f in [pool.submit(work, p) for p in range(CREATORS)]:
            f.result()


class MarkerSender:
    """Sends marker events over /events/in from a thread, MARKERS_PER_SECOND while running
    (or `count` of them, then stops); keeps their ids."""

    def __init__(self, server: Server, count: int | None = None):
        self.ws = connect(f"ws://127.0.0.1:{server.port}/api/events/in", subprotocols=["prefect"], open_timeout=30)
        self.ws.send(json.dumps({"type": "auth", "token": None}))
        reply = json.loads(self.ws.recv(timeout=30))
        if reply.get("type") != "auth_success":
            raise RuntimeError(f"/events/in auth: {reply}")
        self.count = count
        self.ids: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = 1 / MARKERS_PER_SECOND
        next_at = time.monotonic()
        while not self._stop.is_set() and (self.count is None or len(self.ids) < self.count):
            i = len(self.ids)
            event = {"id": str(uuid.uuid4()), "occurred": datetime.now(timezone.utc).isoformat(), "event": MARKER,
                     "resource": {"prefect.resource.id": f"{MARKER}.{i % MARKER_AUTOMATIONS}"}, "related": [],
                     "payload": {}}
            self.ws.send(json.dumps(event))
            self.ids.append(event["id"])
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        self.ws.ping().wait(30)  # every marker sent before is read
        self.ws.close()
        return self.ids

    def join(self) -> list[str]:
        self._thread.join()
        return self.stop()


def _events(server: Server, client: Client, body: dict) -> list[dict]:
    """Every event /events/filter finds for `body`, following next_page."""
    status, page = client.post_setup("/events/filter", body)
    if status != 200:
        raise RuntimeError(f"/events/filter -> {status} {page}")
    out = list(page["events"])
    while page.get("next_page"):
        for attempt in range(10):
            try:
                with urllib.request.urlopen(page["next_page"], timeout=60) as r:
                    page = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.2 * (attempt + 1))
        else:
            raise RuntimeError("/events/filter/next kept failing")
        out += page["events"]
    return out


def _window(since: datetime) -> dict:
    return {"since": since.isoformat(), "until": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}


def trigger_latencies(server: Server, marker_ids: list[str], marker_automation_ids: list[str], since: datetime,
                      timeout: float) -> dict:
    """Waits (up to `timeout`) for every marker's action.executed event; latency from the
    marker's `received` to that event's `occurred`, in ms."""
    client = Client(server)
    wanted = set(marker_ids)
    resource = {"id": [f"prefect.automation.{a}" for a in marker_automation_ids]}
    deadline = time.monotonic() + timeout
    executed: dict[str, datetime] = {}
    while True:
        executed.clear()
        for e in _events(server, client, {"filter": {"event": {"name": [EXECUTED]}, "resource": resource,
                                                     "occurred": _window(since)}, "limit": 50}):
            for r in e["related"]:
                if r.get("prefect.resource.role") == "triggering-event":
                    eid = r["prefect.resource.id"].removeprefix("prefect.event.")
                    if eid in wanted:
                        executed[eid] = datetime.fromisoformat(e["occurred"].replace("Z", "+00:00"))
        if len(executed) >= len(wanted) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    received = {e["id"]: datetime.fromisoformat(e["received"].replace("Z", "+00:00"))
                for e in _events(server, client, {"filter": {"event": {"name": [MARKER]}, "occurred": _window(since)},
                                                  "limit": 50})}
    client.close()
    ms = [(executed[i] - received[i]).total_seconds() * 1000 for i in marker_ids if i in executed and i in received]
    # A marker not executed when the wait ended counts as slower than every executed one: a
    # percentile that falls on one is unknown (None), "more than the wait".
    ranked = sorted(ms) + [float("inf")] * (len(marker_ids) - len(ms))

    def pct(p: float) -> float | None:
        v = percentile(ranked, p)
        return round(v, 1) if v != float("inf") else None

    return {"markers": len(marker_ids), "executed": len(ms), "waited_seconds": round(timeout),
            "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": round(max(ms), 1) if ms else None}


def run_one(kind: str, cfg: Config) -> dict:
    n = task_runs_for(kind, cfg)
    server = Server(kind)
    try:
        _, without_runs = w2_events.create_flow_runs(server, n, "bench-w7-without", flow_runs=FLOW_RUNS)
        without = w2_events.stream(server, cfg, n, "bench-w7-without")
        print(f"   W7 {kind} without automations: {without['events_per_second']} events/s", flush=True)

        _, flow_runs = w2_events.create_flow_runs(server, n, "bench-w7-with", flow_runs=FLOW_RUNS)
        ids, create_seconds = _create_automations(server, automations(flow_runs))
        time.sleep(2.0)  # both servers load new automations within a second or two
        since = datetime.now(timezone.utc) - timedelta(seconds=5)
        markers = MarkerSender(server)
        try:
            with_ = w2_events.stream(server, cfg, n, "bench-w7-with")
        finally:
            marker_ids = markers.stop()
        loaded = trigger_latencies(server, marker_ids, ids[:MARKER_AUTOMATIONS], since, cfg.pick(60, 120))
        print(f"   W7 {kind} with automations: {with_['events_per_second']} events/s, latency {loaded}", flush=True)

        idle_since = datetime.now(timezone.utc) - timedelta(seconds=5)
        idle_ids = MarkerSender(server, count=IDLE_MARKERS).join()
        idle = trigger_latencies(server, idle_ids, ids[:MARKER_AUTOMATIONS], idle_since, 60)
        print(f"   W7 {kind} idle latency {idle}", flush=True)

        _set_enabled(server, ids, False)
        w2_events.create_flow_runs(server, n, "bench-w7-after", flow_runs=FLOW_RUNS)
        time.sleep(2.0)  # as after creating them: both servers see the change within a second or two
        after = w2_events.stream(server, cfg, n, "bench-w7-after")
        print(f"   W7 {kind} without automations again: {after['events_per_second']} events/s", flush=True)
    finally:
        server.stop()
    baseline = (without["events_per_second"] + after["events_per_second"]) / 2
    drop = 1 - with_["events_per_second"] / baseline if baseline else None
    return {"task_runs": n, "automations": len(ids), "create_seconds": round(create_seconds, 1),
            "without": without, "with": with_, "without_after": after, "baseline_events_per_second": round(baseline, 1),
            "ingest_drop": round(drop, 3) if drop is not None else None,
            "latency_under_load": loaded, "latency_idle": idle}


def run_all(cfg: Config) -> dict[str, dict]:
    return {kind: run_one(kind, cfg) for kind in KINDS}


def _eps(r: dict) -> str:
    done = "" if r["complete"] else f" (only {r['task_runs_visible']}/{r['task_runs']} visible, timed out)"
    return f"{r['events_per_second']:.0f}{done}"


def _ms(v: float | None, r: dict) -> str:
    return f"{v:.0f}" if v is not None else f"> {r['waited_seconds']} s"


def _lat(r: dict) -> str:
    missing = "" if r["executed"] == r["markers"] else f" ({r['markers'] - r['executed']} of {r['markers']} not executed)"
    return f"{_ms(r['p50_ms'], r)} / {_ms(r['p99_ms'], r)}{missing}"


def _p99_ratio(p: dict, q: dict) -> str:
    a, b = p["p99_ms"], q["p99_ms"]
    if a is not None and b is None:
        return f"> {1000 * q['waited_seconds'] / a:.0f}×" if a else "n/a"
    return ratio(b, a)


def rows(p: dict, q: dict, cfg: Config) -> list[tuple]:
    return [
        ("W7 events/s without automations (W2 stream, 100 flow runs), before / after the stream with them",
         f"{_eps(p['without'])} / {_eps(p['without_after'])}", f"{_eps(q['without'])} / {_eps(q['without_after'])}",
         ratio(p["baseline_events_per_second"], q["baseline_events_per_second"])),
        (f"W7 events/s with {p['automations']} automations", _eps(p["with"]), _eps(q["with"]),
         f"**{ratio(p['with']['events_per_second'], q['with']['events_per_second'])}**"),
        ("W7 ingest drop with automations (against the mean of before and after)", f"{p['ingest_drop']:.0%}",
         f"{q['ingest_drop']:.0%}", ""),
        ("W7 trigger latency under the stream, accepted → action executed (p50 / p99 ms)",
         _lat(p["latency_under_load"]), _lat(q["latency_under_load"]),
         f"**{_p99_ratio(p['latency_under_load'], q['latency_under_load'])}** (p99)"),
        ("W7 trigger latency after the stream, idle (p50 / p99 ms)", _lat(p["latency_idle"]),
         _lat(q["latency_idle"]), f"{_p99_ratio(p['latency_idle'], q['latency_idle'])} (p99)"),
        ("W7 automations created/s (8 clients, set-up)", f"{p['automations'] / p['create_seconds']:.0f}",
         f"{q['automations'] / q['create_seconds']:.0f}",
         ratio(p["automations"] / p["create_seconds"], q["automations"] / q["create_seconds"])),
    ]


def notes(p: dict, q: dict) -> list[str]:
    out = []
    for kind, r in (("Praetor", p), ("Prefect", q)):
        lat = r["latency_under_load"]
        if lat["executed"] < lat["markers"]:
            out.append(f"W7: on {kind} {lat['markers'] - lat['executed']} of {lat['markers']} markers sent during the "
                       "stream had no executed action when the wait ended.")
    return out


def chart(p: dict, q: dict) -> list[tuple]:
    out = []
    if q["with"]["events_per_second"]:
        out.append(("W7 events/s with automations", p["with"]["events_per_second"] / q["with"]["events_per_second"]))
    a, b = p["latency_under_load"]["p99_ms"], q["latency_under_load"]["p99_ms"]
    if a and b:
        out.append(("W7 trigger latency p99", b / a))
    return out
