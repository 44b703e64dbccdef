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
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
