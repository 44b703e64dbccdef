"""Deployment routes acting on many runs or deployments at once: bulk_delete, schedule,
create_flow_run/bulk, work_queue_check and DELETE. Every assertion holds against Praetor
and against Prefect's own server (PRAETOR_COMPAT_TARGET=prefect).
"""

import datetime
import uuid

import pytest

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.exceptions import ObjectNotFound

from scenarios import raw_response, run

ANCHOR = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


async def _deployment(client, name: str, **kwargs):
    flow_id = await client.create_flow_from_name(f"ops-flow-{uuid.uuid4().hex[:8]}")
    return await client.create_deployment(flow_id=flow_id, name=name, **kwargs)


async def _runs(client, deployment_id):
    return await client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        sort="EXPECTED_START_TIME_ASC",
    )


# Verifies POST /deployments/{id}/schedule makes runs for the given window and bounds
# (paused deployments included: the scheduler service skips them, this route does not),
# idempotently, backfills included; an unknown deployment is a no-op 200.
def test_schedule_route_generates_runs_in_window(api_url):
    async def body():
        async with get_client() as client:
            hourly = DeploymentScheduleCreate(
                schedule=IntervalSchedule(interval=datetime.timedelta(hours=1), anchor_date=ANCHOR)
            )
            deployment_id = await _deployment(client, "sched-window", schedules=[hourly], paused=True, tags=["t"])
            window = {
                "start_time": ANCHOR.isoformat(),
                "end_time": (ANCHOR + datetime.timedelta(hours=5)).isoformat(),
                "min_runs": 2,
                "max_runs": 10,
                "min_time": 0,
            }
            raw = await raw_response(client, "POST", f"/deployments/{deployment_id}/schedule", json=window)
            assert raw.status_code == 200 and raw.json() is None
            runs = await _runs(client, deployment_id)
            assert [r.next_scheduled_start_time for r in runs] == [ANCHOR, ANCHOR + datetime.timedelta(hours=1)]
            assert all(r.auto_scheduled and r.tags[0] == "auto-scheduled" and "t" in r.tags for r in runs)
            assert runs[0].state.message == "Flow run scheduled"
            assert runs[0].created_by.type == "SCHEDULE"
            # min_runs above what the window holds: every date up to end_time, no more.
            window.update(min_runs=50)
            await raw_response(client, "POST", f"/deployments/{deployment_id}/schedule", json=window)
            runs = await _runs(client, deployment_id)
            assert [r.next_scheduled_start_time for r in runs] == [ANCHOR + datetime.timedelta(hours=h) for h in range(6)]
            # Again: nothing new (idempotency keys).
            await raw_response(client, "POST", f"/deployments/{deployment_id}/schedule", json=window)
            assert len(await _runs(client, deployment_id)) == 6
            # max_runs caps a backfill window.
            past = datetime.datetime(2020, 6, 1, tzinfo=datetime.timezone.utc)
            backfill = {"start_time": past.isoformat(), "end_time": (past + datetime.timedelta(days=2)).isoformat(),
                        "min_runs": 100, "max_runs": 4}
            await raw_response(client, "POST", f"/deployments/{deployment_id}/schedule", json=backfill)
            assert len(await _runs(client, deployment_id)) == 10
            raw = await raw_response(client, "POST", f"/deployments/{uuid.uuid4()}/schedule", json={})
            assert raw.status_code == 200
            raw = await raw_response(client, "POST", f"/deployments/{deployment_id}/schedule", json={"min_runs": "many"})
            assert raw.status_code == 422

    run(body())


# Verifies bulk_delete removes at most `limit` matching deployments per call and reports
# their ids; the limit is bounded to 1..50.
def test_bulk_delete_deployments(api_url):
    prefix = f"bulk-{uuid.uuid4().hex[:6]}"

    async def body():
        async with get_client() as client:
            ids = {await _deployment(client, f"{prefix}-{i}") for i in range(3)}
            keep = await _deployment(client, f"other-{uuid.uuid4().hex[:6]}")
            flt = {"deployments": {"name": {"like_": prefix}}}
            first = await raw_response(client, "POST", "/deployments/bulk_delete", json={**flt, "limit": 2})
            assert first.status_code == 200 and len(first.json()["deleted"]) == 2
            second = (await raw_response(client, "POST", "/deployments/bulk_delete", json=flt)).json()["deleted"]
            assert len(second) == 1
            assert {uuid.UUID(i) for i in first.json()["deleted"] + second} == ids
            assert (await raw_response(client, "POST", "/deployments/bulk_delete", json=flt)).json() == {"deleted": []}
            assert (await client.read_deployment(keep)).id == keep
            for bad in (0, 51):
                raw = await raw_response(client, "POST", "/deployments/bulk_delete", json={**flt, "limit": bad})
                assert raw.status_code == 422

    run(body())


# Verifies create_flow_run/bulk creates one run per body with the deployment's defaults,
# reports per-run failures, and answers 404/400/422 as upstream.
def test_bulk_create_flow_runs(api_url):
    async def body():
        async with get_client() as client:
            deployment_id = await _deployment(client, "bulk-create", parameters={"x": 1}, tags=["d"])
            raw = await raw_response(client, "POST", 
                f"/deployments/{deployment_id}/create_flow_run/bulk",
                json=[{}, {"parameters": {"y": 2}, "tags": ["b"]}, {"work_queue_name": "elsewhere"}],
            )
            assert raw.status_code == 200
            results = raw.json()["results"]
            assert [r["status"] for r in results] == ["CREATED", "CREATED", "FAILED"]
            assert "not associated with a work pool" in results[2]["error"] and results[2]["flow_run_id"] is None
            second = await client.read_flow_run(uuid.UUID(results[1]["flow_run_id"]))
            assert second.parameters == {"x": 1, "y": 2} and set(second.tags) == {"d", "b"}
            assert second.deployment_id == deployment_id and second.state.type.value == "SCHEDULED"
            assert len(await _runs(client, deployment_id)) == 2
            empty = await raw_response(client, "POST", f"/deployments/{deployment_id}/create_flow_run/bulk", json=[])
            assert empty.status_code == 200 and empty.json() == {"results": []}
            missing = await raw_response(client, "POST", f"/deployments/{uuid.uuid4()}/create_flow_run/bulk", json=[{}])
            assert missing.status_code == 404
            too_many = await raw_response(client, "POST", f"/deployments/{deployment_id}/create_flow_run/bulk", json=[{}] * 101)
            assert too_many.status_code == 400
            assert too_many.json()["detail"] == "Cannot create more than 100 flow runs at once."
            not_list = await raw_response(client, "POST", f"/deployments/{deployment_id}/create_flow_run/bulk", json={})
            assert not_list.status_code == 422

    run(body())


# Verifies DELETE /deployments/{id} through the client (its scheduled runs go too) and the
# deprecated work_queue_check route.
def test_delete_deployment_and_work_queue_check(api_url):
    async def body():
        async with get_client() as client:
            deployment_id = await _deployment(client, "to-delete", work_queue_name=f"wqc-{uuid.uuid4().hex[:6]}")
            queue_id = (await client.read_deployment(deployment_id)).work_queue_id
            check = await raw_response(client, "GET", f"/deployments/{deployment_id}/work_queue_check")
            # Queues without a legacy filter all match (Prefect on SQLite).
            assert check.status_code == 200 and str(queue_id) in [q["id"] for q in check.json()]
            assert all("work_pool_name" not in q and "filter" in q for q in check.json())
            missing = await raw_response(client, "GET", f"/deployments/{uuid.uuid4()}/work_queue_check")
            assert missing.status_code == 404
            await client.create_flow_run_from_deployment(deployment_id)
            await client.delete_deployment(deployment_id)
            with pytest.raises(ObjectNotFound):
                await client.read_deployment(deployment_id)
            assert await _runs(client, deployment_id) == []
            with pytest.raises(ObjectNotFound):
                await client.delete_deployment(deployment_id)

    run(body())


# Verifies a scheduled run's idempotency key ends with str() of its date in the schedule's
# time zone ("2030-01-01 09:00:00-05:00"), as Prefect's scheduler writes it, for cron and
# rrule schedules away from UTC.
def test_scheduled_run_keys_carry_the_schedule_zone(api_url):
    from zoneinfo import ZoneInfo

    from prefect.client.schemas.schedules import CronSchedule, RRuleSchedule

    async def body():
        async with get_client() as client:
            for name, schedule, zone in [
                ("keys-cron", CronSchedule(cron="0 9 * * *", timezone="America/New_York"), "America/New_York"),
                ("keys-rrule", RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=10", timezone="Asia/Kolkata"), "Asia/Kolkata"),
            ]:
                deployment_id = await _deployment(
                    client, name, schedules=[DeploymentScheduleCreate(schedule=schedule)], paused=True
                )
                window = {"start_time": ANCHOR.isoformat(), "min_runs": 2, "max_runs": 2, "min_time": 0}
                await client._client.post(f"/deployments/{deployment_id}/schedule", json=window)
                runs = await _runs(client, deployment_id)
                assert len(runs) == 2, name
                for r in runs:
                    local = r.expected_start_time.astimezone(ZoneInfo(zone))
                    assert r.idempotency_key.endswith(f" {local}"), (name, r.idempotency_key, str(local))

    run(body())
