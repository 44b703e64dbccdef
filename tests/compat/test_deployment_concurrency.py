"""Deployment concurrency limits (concurrency_limit / concurrency_options on a deployment),
enforced at the transition into PENDING as Prefect's SecureFlowConcurrencySlots does, and the
slot of a lease left to expire given back by the repossessor service."""

import asyncio
import os
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path


from prefect.client.orchestration import PrefectClient, get_client
from prefect.states import Completed, Pending, Running

from local_servers import stop_process
from scenarios import http_client, run, wait_for


def test_deployment_concurrency_limit_row_follows_the_deployment(api_url):
    with http_client(api_url) as c:
        flow_id = c.post("/flows/", json={"name": f"dconc-{uuid.uuid4().hex[:6]}"}).json()["id"]
        created = c.post("/deployments/", json={"name": "limited", "flow_id": flow_id, "concurrency_limit": 2,
                                                "concurrency_options": {"collision_strategy": "CANCEL_NEW"}})
        assert created.status_code == 201
        d = created.json()
        assert d["concurrency_limit"] is None  # deprecated, always null
        gcl = d["global_concurrency_limit"]
        assert gcl["name"] == f"deployment:{d['id']}" and gcl["limit"] == 2 and gcl["active_slots"] == 0
        assert gcl["active"] is True
        assert d["concurrency_options"] == {"collision_strategy": "CANCEL_NEW", "grace_period_seconds": None}
        by_name = c.get(f"/v2/concurrency_limits/deployment:{d['id']}").json()
        assert by_name["id"] == gcl["id"] and by_name["limit"] == 2

        assert c.patch(f"/deployments/{d['id']}", json={"concurrency_limit": 5}).status_code == 204
        again = c.get(f"/deployments/{d['id']}").json()["global_concurrency_limit"]
        assert again["id"] == gcl["id"] and again["limit"] == 5
        # A PATCH without concurrency_limit leaves the limit alone.
        assert c.patch(f"/deployments/{d['id']}", json={"description": "x"}).status_code == 204
        assert c.get(f"/deployments/{d['id']}").json()["global_concurrency_limit"]["limit"] == 5

        bad = c.patch(f"/deployments/{d['id']}", json={"concurrency_limit": 0})
        assert bad.status_code == 422
        assert bad.json()["exception_detail"][0]["loc"] == ["body", "concurrency_limit"]
        bad = c.patch(f"/deployments/{d['id']}", json={"concurrency_options": {"collision_strategy": "BAD"}})
        assert bad.status_code == 422
        assert bad.json()["exception_detail"][0]["loc"] == ["body", "concurrency_options", "collision_strategy"]

        assert c.patch(f"/deployments/{d['id']}", json={"concurrency_limit": None}).status_code == 204
        assert c.get(f"/deployments/{d['id']}").json()["global_concurrency_limit"] is None
        assert c.get(f"/v2/concurrency_limits/deployment:{d['id']}").status_code == 404

        assert c.patch(f"/deployments/{d['id']}", json={"concurrency_limit": 1}).status_code == 204
        assert c.get(f"/v2/concurrency_limits/deployment:{d['id']}").status_code == 200
        assert c.delete(f"/deployments/{d['id']}").status_code == 204
        assert c.get(f"/v2/concurrency_limits/deployment:{d['id']}").status_code == 404


async def _deployment_with_limit(client, concurrency_options=None) -> uuid.UUID:
    flow_id = await client.create_flow_from_name(f"dconc-{uuid.uuid4().hex[:6]}")
    return await client.create_deployment(flow_id=flow_id, name="limited", concurrency_limit=1,
                                          concurrency_options=concurrency_options)


def test_pending_takes_the_slot_and_the_next_run_is_enqueued_or_cancelled():
    async def scenario(strategy):
        async with get_client() as client:
            options = {"collision_strategy": strategy} if strategy else None
            deployment_id = await _deployment_with_limit(client, options)
            first = await client.create_flow_run_from_deployment(deployment_id)
            second = await client.create_flow_run_from_deployment(deployment_id)

            taken = await client.set_flow_run_state(first.id, Pending())
            assert taken.status.value == "ACCEPT"
            lease = taken.state.state_details.deployment_concurrency_lease_id
            assert lease is not None
            d = await client.read_deployment(deployment_id)
            assert d.global_concurrency_limit.active_slots == 1

            refused = await client.set_flow_run_state(second.id, Pending())
            assert refused.status.value == "REJECT"
            assert refused.details.reason == "Deployment concurrency limit reached."
            if strategy == "CANCEL_NEW":
                assert refused.state.type.value == "CANCELLED"
                assert refused.state.message == "Deployment concurrency limit reached."
            else:
                assert refused.state.type.value == "SCHEDULED"
                assert refused.state.name == "AwaitingConcurrencySlot"
                assert refused.state.state_details.scheduled_time is not None

            running = await client.set_flow_run_state(first.id, Running())
            assert running.status.value == "ACCEPT"
            assert running.state.state_details.deployment_concurrency_lease_id == lease
            assert (await client.read_deployment(deployment_id)).global_concurrency_limit.active_slots == 1
            done = await client.set_flow_run_state(first.id, Completed())
            assert done.status.value == "ACCEPT"
            assert (await client.read_deployment(deployment_id)).global_concurrency_limit.active_slots == 0

            if strategy != "CANCEL_NEW":
                # The slot is free again: the enqueued run gets it.
                retry = await client.set_flow_run_state(second.id, Pending())
                assert retry.status.value == "ACCEPT"
                assert (await client.read_deployment(deployment_id)).global_concurrency_limit.active_slots == 1

    run(scenario(None))
    run(scenario("CANCEL_NEW"))


def test_client_without_a_prefect_version_keeps_the_slot_until_the_run_ends(api_url):
    # No Prefect User-Agent: the client is taken as too old to renew leases, so the lease is
    # revoked at RUNNING and the slot is freed from the limit when the run finishes.
    with http_client(api_url) as c:
        flow_id = c.post("/flows/", json={"name": f"dconc-{uuid.uuid4().hex[:6]}"}).json()["id"]
        d = c.post("/deployments/", json={"name": "old-client", "flow_id": flow_id, "concurrency_limit": 1}).json()
        run_id = c.post(f"/deployments/{d['id']}/create_flow_run", json={}).json()["id"]

        def slots():
            return c.get(f"/deployments/{d['id']}").json()["global_concurrency_limit"]["active_slots"]

        def propose(type_, name):
            r = c.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": type_, "name": name}})
            assert r.status_code in (200, 201), r.text
            return r.json()

        pending = propose("PENDING", "Pending")
        assert pending["status"] == "ACCEPT"
        lease = pending["state"]["state_details"]["deployment_concurrency_lease_id"]
        assert lease is not None and slots() == 1
        running = propose("RUNNING", "Running")
        assert running["status"] == "ACCEPT"
        assert running["state"]["state_details"]["deployment_concurrency_lease_id"] == lease
        assert c.post(f"/v2/concurrency_limits/leases/{lease}/renew", json={"lease_duration": 60}).status_code == 410
        assert slots() == 1
        assert propose("COMPLETED", "Completed")["status"] == "ACCEPT"
        assert slots() == 0


def test_concurrency_limit_of_one_holds_the_second_run_back(tmp_path, dedicated_server):
    # A short AwaitingConcurrencySlot delay so the held run is retried quickly.
    srv = dedicated_server({"PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "1"})
    env = dict(os.environ)
    env["PREFECT_API_URL"] = srv.api_url
    env["PREFECT_HOME"] = str(tmp_path / "home")
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
    env["PREFECT_WORKER_PREFETCH_SECONDS"] = "1"
    pool = f"dconc-{uuid.uuid4().hex[:6]}"
    (tmp_path / "flows.py").write_text(textwrap.dedent(
        """
        import time
        from prefect import flow

        @flow
        def slow(seconds: float = 4):
            time.sleep(seconds)
            return seconds
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import WorkPoolCreate
        with get_client(sync_client=True) as c:
            c.create_work_pool(WorkPoolCreate(name={pool!r}, type="process"))
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:slow").deploy(
            name="one-at-a-time", work_pool_name={pool!r}, concurrency_limit=1, print_next_steps=False)
        """
    ))
    subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=120)

    with http_client(srv.api_url) as c:
        d = c.get("/deployments/name/slow/one-at-a-time").json()
        assert d["global_concurrency_limit"]["limit"] == 1
        run_ids = [c.post(f"/deployments/{d['id']}/create_flow_run", json={}).json()["id"] for _ in range(2)]

        exe = str(Path(sys.executable).parent / "prefect")
        worker = subprocess.Popen([exe, "worker", "start", "--pool", pool, "--type", "process"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def states(run_id):
                return c.get("/flow_run_states/", params={"flow_run_id": run_id}).json()

            def both_done():
                runs = [c.get(f"/flow_runs/{r}").json() for r in run_ids]
                return all(r["state_type"] == "COMPLETED" for r in runs) and runs

            wait_for(both_done, 120, "both runs to complete")
        finally:
            stop_process(worker)

        histories = {r: states(r) for r in run_ids}
        held = [r for r in run_ids if any(s["name"] == "AwaitingConcurrencySlot" for s in histories[r])]
        assert len(held) == 1, {r: [s["name"] for s in h] for r, h in histories.items()}
        other = next(r for r in run_ids if r not in held)

        def when(s):
            return datetime.fromisoformat(s["timestamp"].replace("Z", "+00:00"))

        def first_time(run_id, name):
            return min(when(s) for s in histories[run_id] if s["name"] == name)

        def last_time(run_id, type_):
            return max(when(s) for s in histories[run_id] if s["type"] == type_)

        # The held run only left SCHEDULED for PENDING after the other finished.
        held_pending = max(when(s) for s in histories[held[0]] if s["type"] == "PENDING")
        assert held_pending >= last_time(other, "COMPLETED")
        assert first_time(held[0], "AwaitingConcurrencySlot") < last_time(other, "COMPLETED")
        assert c.get(f"/deployments/{d['id']}").json()["global_concurrency_limit"]["active_slots"] == 0


def test_slot_of_an_expired_lease_is_reclaimed_and_the_next_run_gets_it(dedicated_server):
    # A worker takes the deployment's only slot (SCHEDULED → PENDING, under a lease) and dies
    # before the flow starts, so nothing renews or releases the lease. The repossessor service
    # gives the slot back once the lease expires, and the run held back gets it. Prefect's
    # shortest lease is 30 s (PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION's
    # minimum); the repossessor looks every second.
    lease_seconds = 30
    srv = dedicated_server({"PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION": str(lease_seconds),
                            "PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"})

    async def scenario():
        async with PrefectClient(srv.api_url) as client:
            deployment_id = await _deployment_with_limit(client)
            abandoned = await client.create_flow_run_from_deployment(deployment_id)
            waiting = await client.create_flow_run_from_deployment(deployment_id)

            async def active_slots():
                return (await client.read_deployment(deployment_id)).global_concurrency_limit.active_slots

            taken = await client.set_flow_run_state(abandoned.id, Pending())
            taken_at = time.monotonic()
            assert taken.status.value == "ACCEPT"
            lease = taken.state.state_details.deployment_concurrency_lease_id
            assert lease is not None
            assert await active_slots() == 1
            held = await client.set_flow_run_state(waiting.id, Pending())
            assert held.status.value == "REJECT"
            assert held.state.name == "AwaitingConcurrencySlot"

            # Nobody touches the deployment until the lease has expired and been reclaimed.
            deadline = taken_at + lease_seconds + 30
            while await active_slots() != 0:
                assert time.monotonic() < deadline, "the expired lease's slot was not given back"
                await asyncio.sleep(0.5)
            assert time.monotonic() - taken_at >= lease_seconds - 2  # not before the lease ran out
            # The lease is gone; the abandoned run itself is left as it was.
            with http_client(srv.api_url) as c:
                renew = c.post(f"/v2/concurrency_limits/leases/{lease}/renew", json={"lease_duration": 60})
            assert renew.status_code == 410, renew.text
            assert (await client.read_flow_run(abandoned.id)).state.type.value == "PENDING"

            retried = await client.set_flow_run_state(waiting.id, Pending())
            assert retried.status.value == "ACCEPT"
            new_lease = retried.state.state_details.deployment_concurrency_lease_id
            assert new_lease is not None and new_lease != lease
            assert await active_slots() == 1

            # The abandoned run comes back too late: its slot is gone and the limit is full.
            late = await client.set_flow_run_state(abandoned.id, Running())
            assert late.status.value == "REJECT"
            assert late.state.type.value == "CANCELLED"
            assert late.state.message == ("Deployment concurrency slot lost during provisioning - "
                                          "no slots available to continue execution")

    run(scenario())


def test_late_runs_of_a_full_cancel_new_deployment_are_cancelled(dedicated_server):
    # EnforceDeploymentConcurrencyOnLate: the late-runs service cancels an overdue run of a
    # CANCEL_NEW deployment whose limit is full instead of marking it Late; with ENQUEUE
    # (the default) the overdue run is marked Late as usual.
    srv = dedicated_server({"PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "1",
                            "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1"})
    past = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    overdue_state = {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": past}}

    async def full_deployment(client, options):
        deployment_id = await _deployment_with_limit(client, options)
        holder = await client.create_flow_run_from_deployment(deployment_id)
        assert (await client.set_flow_run_state(holder.id, Pending())).status.value == "ACCEPT"
        return deployment_id

    async def scenario():
        async with PrefectClient(srv.api_url) as client:
            return (await full_deployment(client, {"collision_strategy": "CANCEL_NEW"}),
                    await full_deployment(client, None))

    cancel_new, enqueue = run(scenario())
    with http_client(srv.api_url) as c:
        overdue = {d: c.post(f"/deployments/{d}/create_flow_run", json={"state": overdue_state}).json()["id"]
                   for d in (cancel_new, enqueue)}

        def settled(run_id):
            state = c.get(f"/flow_runs/{run_id}").json()["state"]
            return state if state["name"] != "Scheduled" else None

        cancelled = wait_for(lambda: settled(overdue[cancel_new]), 30, "the CANCEL_NEW run to leave Scheduled")
        assert cancelled["type"] == "CANCELLED", cancelled
        assert cancelled["message"] == "Deployment concurrency limit reached."
        late = wait_for(lambda: settled(overdue[enqueue]), 30, "the ENQUEUE run to leave Scheduled")
        assert late["type"] == "SCHEDULED" and late["name"] == "Late", late
        assert c.get(f"/deployments/{cancel_new}").json()["global_concurrency_limit"]["active_slots"] == 1
