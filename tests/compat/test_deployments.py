"""Deployments, schedules and the scheduler/late-runs services, with the real SDK.

Each test polls with a deadline instead of sleeping blindly; every assertion holds
against Praetor and against Prefect's own server (PRAETOR_COMPAT_TARGET=prefect).
"""

import datetime
import os
import subprocess
import sys
import textwrap
import time
import uuid

import httpx
import pytest

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
from prefect.server.schemas import schedules as server_schedules

from local_servers import stop_process
from scenarios import http_client, run, wait_for


async def _deployment(name: str, schedules=None, paused: bool = False, work_pool_name: str | None = None):
    async with get_client() as client:
        flow_id = await client.create_flow_from_name(f"dep-flow-{uuid.uuid4().hex[:8]}")
        deployment_id = await client.create_deployment(
            flow_id=flow_id,
            name=name,
            schedules=schedules or [],
            paused=paused,
            work_pool_name=work_pool_name,
            parameters={"x": 1},
            tags=["t1"],
        )
        return flow_id, deployment_id


async def _scheduled_runs(deployment_id, api_url: str | None = None):
    async with get_client() as client:
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            sort="EXPECTED_START_TIME_ASC",
        )


def test_create_read_upsert_and_delete(api_url):
    flow_id, deployment_id = run(_deployment("crud"))

    async def body():
        async with get_client() as client:
            d = await client.read_deployment(deployment_id)
            assert d.name == "crud" and d.flow_id == flow_id and d.parameters == {"x": 1}
            assert d.labels["prefect.flow.id"] == str(flow_id)
            flow = await client.read_flow(flow_id)
            by_name = await client.read_deployment_by_name(f"{flow.name}/crud")
            assert by_name.id == deployment_id
            # Upsert: same flow and name → same id, 200.
            raw = await client._client.post(
                "/deployments/", json={"name": "crud", "flow_id": str(flow_id), "parameters": {"x": 2}}
            )
            assert raw.status_code == 200 and raw.json()["id"] == str(deployment_id)
            assert raw.json()["parameters"] == {"x": 2}
            count = await client._client.post(
                "/deployments/count", json={"deployments": {"id": {"any_": [str(deployment_id)]}}}
            )
            assert count.json() == 1
            missing = httpx.get(f"{api_url}/deployments/name/{flow.name}/nope")
            assert missing.status_code == 404 and missing.json() == {"detail": "Deployment not found"}
            await client.delete_deployment(deployment_id)

    run(body())
    r = httpx.get(f"{api_url}/deployments/{deployment_id}")
    assert r.status_code == 404 and r.json() == {"detail": "Deployment not found"}


def test_create_flow_run_from_deployment_merges_parameters(api_url):
    _, deployment_id = run(_deployment("on-demand"))

    async def body():
        async with get_client() as client:
            fr = await client.create_flow_run_from_deployment(deployment_id, parameters={"y": 2}, tags=["t2"])
            assert fr.deployment_id == deployment_id
            assert fr.parameters == {"x": 1, "y": 2}
            assert set(fr.tags) == {"t1", "t2"}
            assert fr.state.type.value == "SCHEDULED"
            assert fr.labels["prefect.deployment.id"] == str(deployment_id)

    run(body())


def test_interval_schedule_produces_scheduled_runs():
    schedule = DeploymentScheduleCreate(schedule=IntervalSchedule(interval=datetime.timedelta(hours=1)))
    _, deployment_id = run(_deployment("interval", schedules=[schedule]))
    runs = wait_for(lambda: (r := run(_scheduled_runs(deployment_id))) and len(r) >= 3 and r, 30, "3 scheduled runs")
    assert all(r.state.type.value == "SCHEDULED" and r.auto_scheduled for r in runs)
    assert all("auto-scheduled" in r.tags for r in runs)
    times = [r.next_scheduled_start_time for r in runs]
    assert times == sorted(times)
    assert times[1] - times[0] == datetime.timedelta(hours=1)
    assert runs[0].idempotency_key.startswith(f"scheduled {deployment_id} ")


@pytest.mark.parametrize(
    "schedule",
    [
        CronSchedule(cron="30 9 * * *", timezone="America/New_York"),
        RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=8;BYMINUTE=15", timezone="Europe/Berlin"),
    ],
    ids=["cron", "rrule"],
)
def test_non_utc_schedules_fire_at_local_times(schedule):
    _, deployment_id = run(_deployment(f"zoned-{uuid.uuid4().hex[:6]}", schedules=[DeploymentScheduleCreate(schedule=schedule)]))
    runs = wait_for(lambda: (r := run(_scheduled_runs(deployment_id))) and len(r) >= 3 and r, 30, "3 scheduled runs")
    # The oracle: Prefect's own server schedule classes from the same virtualenv.
    oracle_cls = server_schedules.CronSchedule if isinstance(schedule, CronSchedule) else server_schedules.RRuleSchedule
    oracle = oracle_cls(**schedule.model_dump(exclude_none=True))
    start = runs[0].next_scheduled_start_time - datetime.timedelta(seconds=1)
    expected = run(oracle.get_dates(n=3, start=start))
    got = [r.next_scheduled_start_time for r in runs[:3]]
    assert [g.timestamp() for g in got] == [e.timestamp() for e in expected]


def test_cron_schedule_without_timezone_reads_back_null(http):
    # Prefect keeps a cron schedule's missing timezone as null (its dates are in UTC); an
    # interval schedule's comes from its anchor date.
    _, deployment_id = run(_deployment(f"tz-{uuid.uuid4().hex[:6]}"))
    created = http.post(f"/deployments/{deployment_id}/schedules",
                        json=[{"schedule": {"cron": "0 9 * * *"}, "active": False},
                              {"schedule": {"interval": 3600, "anchor_date": "2026-01-01T00:00:00Z"}, "active": False}])
    assert created.status_code == 201, created.text
    by_kind = {("cron" in s["schedule"]): s["schedule"] for s in created.json()}
    assert by_kind[True] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}
    assert by_kind[False]["timezone"] == "UTC"
    read = http.get(f"/deployments/{deployment_id}").json()
    assert [s["schedule"]["timezone"] for s in read["schedules"] if "cron" in s["schedule"]] == [None]


def test_schedules_of_one_request_read_newest_first(http):
    # Prefect stamps each schedule of a request as its ORM flushes it, and reads a
    # deployment's schedules newest first: the request's last schedule comes first (so
    # `prefect transfer`, which copies them in the order read, reverses them on each hop).
    intervals = [60.0 * (i + 1) for i in range(5)]
    flow_id, _ = run(_deployment(f"order-{uuid.uuid4().hex[:6]}"))
    created = http.post("/deployments/", json={
        "name": f"ordered-{uuid.uuid4().hex[:6]}", "flow_id": str(flow_id),
        "schedules": [{"schedule": {"interval": i}, "active": False} for i in intervals]})
    assert created.status_code == 201, created.text
    assert [s["schedule"]["interval"] for s in created.json()["schedules"]] == intervals[::-1]
    deployment = f"/deployments/{created.json()['id']}"
    assert [s["schedule"]["interval"] for s in http.get(deployment).json()["schedules"]] == intervals[::-1]
    crons = [f"0 {i} * * *" for i in range(4)]
    updated = http.patch(deployment, json={"schedules": [{"schedule": {"cron": c}, "active": False} for c in crons]})
    assert updated.status_code == 204, updated.text
    assert [s["schedule"]["cron"] for s in http.get(deployment).json()["schedules"]] == crons[::-1]
    added = http.post(f"{deployment}/schedules", json=[{"schedule": {"interval": i}, "active": False}
                                                       for i in intervals[:3]])
    assert added.status_code == 201, added.text
    assert [s["schedule"]["interval"] for s in added.json()] == intervals[:3]  # as sent
    assert [s["schedule"].get("interval") for s in http.get(deployment).json()["schedules"]][:3] == intervals[:3][::-1]


def test_patch_with_slugged_schedules_follows_prefects_rules(http):
    # Prefect's test_schedule_statefulness: once a deployment's schedules all have slugs, a
    # PATCH updates them by slug: an empty list keeps them, a schedule without a slug is
    # refused, and a new slug is added beside the existing ones.
    _, deployment_id = run(_deployment(f"slugs-{uuid.uuid4().hex[:6]}"))

    def schedules():
        got = http.get(f"/deployments/{deployment_id}").json()["schedules"]
        return {s["slug"]: s for s in got}

    first = http.patch(f"/deployments/{deployment_id}",
                       json={"schedules": [{"schedule": {"interval": 3600}, "slug": "hourly", "active": False}]})
    assert first.status_code == 204, first.text
    assert set(schedules()) == {"hourly"}
    hourly_id = schedules()["hourly"]["id"]

    kept = http.patch(f"/deployments/{deployment_id}", json={"schedules": []})
    assert kept.status_code == 204, kept.text
    assert set(schedules()) == {"hourly"} and schedules()["hourly"]["id"] == hourly_id

    unslugged = http.patch(f"/deployments/{deployment_id}",
                           json={"schedules": [{"schedule": {"interval": 60}, "active": False}]})
    assert unslugged.status_code == 422
    assert unslugged.json() == {"detail": "Please provide a slug for each schedule in your request to ensure "
                                          "schedules are updated correctly."}
    assert set(schedules()) == {"hourly"}

    added = http.patch(f"/deployments/{deployment_id}",
                       json={"schedules": [{"schedule": {"cron": "0 9 * * *"}, "slug": "daily", "active": False}]})
    assert added.status_code == 204, added.text
    now = schedules()
    assert set(now) == {"hourly", "daily"} and now["hourly"]["id"] == hourly_id
    assert now["daily"]["schedule"] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}

    # A slug already present is updated in place; `replaces` renames.
    updated = http.patch(f"/deployments/{deployment_id}",
                         json={"schedules": [{"schedule": {"interval": 7200}, "slug": "hourly"},
                                             {"slug": "morning", "replaces": "daily"}]})
    assert updated.status_code == 204, updated.text
    now = schedules()
    assert set(now) == {"hourly", "morning"}
    assert now["hourly"]["id"] == hourly_id and now["hourly"]["schedule"]["interval"] == 7200.0
    assert now["morning"]["schedule"]["cron"] == "0 9 * * *"
    clash = http.patch(f"/deployments/{deployment_id}",
                       json={"schedules": [{"slug": "hourly", "replaces": "morning"}]})
    assert clash.status_code == 422
    assert clash.json() == {"detail": "Cannot rename schedule from 'morning' to 'hourly': a schedule with slug "
                                      "'hourly' already exists."}


def test_pausing_deployment_removes_and_stops_scheduled_runs():
    schedule = DeploymentScheduleCreate(schedule=IntervalSchedule(interval=datetime.timedelta(minutes=30)))
    _, deployment_id = run(_deployment("pausable", schedules=[schedule]))
    wait_for(lambda: len(run(_scheduled_runs(deployment_id))) >= 3, 30, "scheduled runs")

    async def pause():
        async with get_client() as client:
            await client.pause_deployment(deployment_id)
            return (await client.read_deployment(deployment_id)).paused

    assert run(pause()) is True
    assert run(_scheduled_runs(deployment_id)) == []
    # One fast scheduler pass (5 s) plus margin: still nothing.
    deadline = time.monotonic() + 7
    while time.monotonic() < deadline:
        assert run(_scheduled_runs(deployment_id)) == []
        time.sleep(0.5)


def test_late_run_marked_late(dedicated_server):
    srv = dedicated_server(
        {
            "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "1",
            "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
    )
    api = srv.api_url
    with http_client(api) as c:
        flow_id = c.post("/flows/", json={"name": "late-flow"}).json()["id"]
        dep = c.post("/deployments/", json={"name": "late", "flow_id": flow_id}).json()
        past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)).isoformat()
        fr = c.post(
            f"/deployments/{dep['id']}/create_flow_run",
            json={"state": {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": past}}},
        ).json()
        assert fr["state"]["name"] == "Scheduled"

        def state():
            s = c.get(f"/flow_runs/{fr['id']}").json()["state"]
            return s if s["name"] == "Late" else None

        late = wait_for(state, 30, "Late state")
        assert late["type"] == "SCHEDULED"


FLOW_SOURCE = textwrap.dedent(
    """
    from prefect import flow

    @flow
    def hello(name: str = "world"):
        return f"hello {name}"

    if __name__ == "__main__":
        import sys
        hello.serve(name=sys.argv[1])
    """
)


def _child_env() -> dict:
    env = dict(os.environ)
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
    return env


def _final_state(flow_run_id, timeout: float):
    async def state():
        async with get_client() as client:
            return (await client.read_flow_run(flow_run_id)).state

    return wait_for(lambda: (s := run(state())) and s.is_final() and s, timeout, "a final state")


def test_serve_picks_up_on_demand_run(tmp_path, prefect_cli):
    (tmp_path / "served.py").write_text(FLOW_SOURCE)
    name = f"served-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "served.py"), name],
        cwd=tmp_path,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async def deployment_ready():
            async with get_client() as client:
                try:
                    return await client.read_deployment_by_name(f"hello/{name}")
                except Exception:
                    return None

        wait_for(lambda: run(deployment_ready()), 60, "the served deployment")
        out = prefect_cli("deployment", "run", f"hello/{name}", "--param", "name=compat")
        assert "Created flow run" in out.stdout

        async def the_run():
            async with get_client() as client:
                d = await client.read_deployment_by_name(f"hello/{name}")
                runs = await client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[d.id])))
                return runs[0] if runs else None

        fr = wait_for(lambda: run(the_run()), 20, "the flow run")
        state = _final_state(fr.id, 60)
        assert state.type.value == "COMPLETED", state
    finally:
        stop_process(proc)
