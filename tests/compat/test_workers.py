"""Work pools, queues and a real process worker against the server."""

import os
import subprocess
import sys
import textwrap
import time
import uuid


from prefect.client.orchestration import get_client

from scenarios import http_client, raw_response, run, unique, wait_for


def test_work_pool_crud_and_default_queue(api_url):
    name = f"pool-{uuid.uuid4().hex[:6]}"
    with http_client(api_url) as c:
        template = {
            "job_configuration": {"command": "{{ command }}"},
            "variables": {"type": "object", "properties": {"command": {"type": "string", "default": "echo"}}},
        }
        r = c.post("/work_pools/", json={"name": name, "type": "process", "base_job_template": template})
        assert r.status_code == 201
        pool = r.json()
        assert pool["status"] == "NOT_READY" and pool["active_slots"] is None
        assert pool["base_job_template"] == template
        assert c.post("/work_pools/", json={"name": name, "type": "process"}).status_code == 409
        q = c.get(f"/work_pools/{name}/queues/default").json()
        assert q["id"] == pool["default_queue_id"] and q["priority"] == 1
        q2 = c.post(f"/work_pools/{name}/queues", json={"name": "high", "concurrency_limit": 1})
        assert q2.status_code == 201 and q2.json()["priority"] == 2 and q2.json()["active_slots"] == 0
        assert c.post(f"/work_pools/{name}/workers/heartbeat", json={"name": "w1", "heartbeat_interval_seconds": 30}).status_code == 204
        workers = c.post(f"/work_pools/{name}/workers/filter", json={}).json()
        assert [w["name"] for w in workers] == ["w1"] and workers[0]["status"] == "ONLINE"
        assert c.get(f"/work_pools/{name}").json()["status"] == "READY"
        assert c.patch(f"/work_pools/{name}", json={"concurrency_limit": 3}).status_code == 204
        assert c.get(f"/work_pools/{name}").json()["active_slots"] == 0
        missing = c.get("/work_pools/no-such-pool")
        assert missing.status_code == 404 and missing.json() == {"detail": 'Work pool "no-such-pool" not found.'}
        assert c.delete(f"/work_pools/{name}").status_code == 204
        assert c.get(f"/work_pools/{name}").status_code == 404


# Verifies, through PrefectClient, the work-pool rules beside plain CRUD: the reserved
# "prefect" prefix refused on create, on a description change and on delete (403 before any
# lookup), the 409 and 404 details, an explicit null description clearing it, pausing
# reading PAUSED, and a negative concurrency limit refused with pydantic's 422.
def test_work_pool_reserved_names_conflicts_and_updates(api_url):
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    name = f"rules-{uuid.uuid4().hex[:6]}"
    reserved_detail = "Work pools starting with 'Prefect' are reserved for internal use."

    async def scenario():
        async with get_client() as client:
            try:
                await client.create_work_pool(WorkPoolCreate(name="Prefect-mine", type="process"))
                raise AssertionError("a reserved name was created")
            except Exception as e:  # PrefectHTTPStatusError
                assert e.response.status_code == 403 and e.response.json() == {"detail": reserved_detail}
            pool = await client.create_work_pool(WorkPoolCreate(name=name, type="process", description="first"))
            assert pool.description == "first" and pool.type == "process" and pool.concurrency_limit is None
            try:
                await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
                raise AssertionError("a taken name was created")
            except ObjectAlreadyExists as e:
                assert e.http_exc.response.json() == {"detail": "A work pool with this name already exists."}
            await client.update_work_pool(name, WorkPoolUpdate(is_paused=True, concurrency_limit=2))
            paused = await client.read_work_pool(name)
            assert paused.is_paused and paused.status.value == "PAUSED" and paused.concurrency_limit == 2
            await client.update_work_pool(name, WorkPoolUpdate(is_paused=False))
            assert (await client.read_work_pool(name)).status.value == "NOT_READY"
            try:
                await client.read_work_pool("no-such-pool-here")
                raise AssertionError("a missing pool was read")
            except ObjectNotFound as e:
                assert e.http_exc.response.json() == {"detail": 'Work pool "no-such-pool-here" not found.'}
            r = await raw_response(client, "PATCH", f"/work_pools/{name}",
                                   json={"description": None, "concurrency_limit": None})
            assert r.status_code == 204
            cleared = await client.read_work_pool(name)
            assert cleared.description is None and cleared.concurrency_limit is None
            r = await raw_response(client, "PATCH", f"/work_pools/{name}", json={"concurrency_limit": -1})
            assert r.status_code == 422
            assert [(e["type"], e["loc"]) for e in r.json()["exception_detail"]] == [
                ("greater_than_equal", ["body", "concurrency_limit"])]
            r = await raw_response(client, "PATCH", "/work_pools/prefect-managed-x", json={"description": "mine"})
            assert r.status_code == 403 and r.json() == {"detail": (
                "Work pools starting with 'Prefect' are reserved for internal use and can only be updated to set "
                "concurrency limits or pause.")}
            r = await raw_response(client, "DELETE", "/work_pools/PREFECT-thing")
            assert r.status_code == 403 and r.json() == {
                "detail": "Work pools starting with 'Prefect' are reserved for internal use and can not be deleted."}
            await client.delete_work_pool(name)
            try:
                await client.delete_work_pool(name)
                raise AssertionError("a deleted pool was deleted again")
            except ObjectNotFound:
                pass

    run(scenario())


# Verifies creating, updating and deleting a work pool emits Prefect's work-pool events: the
# resource carries the pool's name, type and role, created and deleted relate its default
# queue, and an update names only the sent fields whose value changed, with their values
# before and after (a pause alone, or an unchanged template, is no update).
def test_work_pool_lifecycle_events(api_url):
    name = f"evt-{uuid.uuid4().hex[:6]}"
    with http_client(api_url) as c:
        pool = c.post("/work_pools/", json={"name": name, "type": "process", "description": "one"}).json()
        assert c.patch(f"/work_pools/{name}", json={"is_paused": True}).status_code == 204
        changed = {"description": "two", "concurrency_limit": 4, "base_job_template": {}}
        assert c.patch(f"/work_pools/{name}", json=changed).status_code == 204
        assert c.delete(f"/work_pools/{name}").status_code == 204
        resource_id = f"prefect.work-pool.{pool['id']}"
        lifecycle = {"prefect.work-pool.created", "prefect.work-pool.updated", "prefect.work-pool.deleted"}

        def seen():
            r = c.post("/events/filter", json={"filter": {"resource": {"id": [resource_id]}}, "limit": 50})
            assert r.status_code == 200, r.text
            events = [e for e in r.json()["events"] if e["event"] in lifecycle]
            return events if len(events) == 3 else None

        events = sorted(wait_for(seen, 60, "three work-pool events"), key=lambda e: e["occurred"])
    assert [e["event"] for e in events] == ["prefect.work-pool.created", "prefect.work-pool.updated",
                                            "prefect.work-pool.deleted"]
    resource = {"prefect.resource.id": resource_id, "prefect.resource.name": name,
                "prefect.work-pool.type": "process", "prefect.resource.role": "work-pool"}
    default_queue = [{"prefect.resource.id": f"prefect.work-queue.{pool['default_queue_id']}",
                      "prefect.resource.role": "default-queue"}]
    assert [e["resource"] for e in events] == [resource] * 3
    assert (events[0]["related"], events[2]["related"]) == (default_queue, default_queue)
    assert events[1]["payload"] == {"updated_fields": ["description", "concurrency_limit"],
                                    "updates": {"description": {"from": "one", "to": "two"},
                                                "concurrency_limit": {"from": None, "to": 4}}}


def test_worker_poll_respects_queue_priority_and_limits(api_url):
    name = f"prio-{uuid.uuid4().hex[:6]}"
    with http_client(api_url) as c:
        c.post("/work_pools/", json={"name": name, "type": "process"})
        c.post(f"/work_pools/{name}/queues", json={"name": "urgent", "priority": 1})
        c.post(f"/work_pools/{name}/queues", json={"name": "limited", "concurrency_limit": 0})
        flow_id = c.post("/flows/", json={"name": unique("prio-flow")}).json()["id"]
        made = {}
        for queue in ["default", "urgent", "limited"]:
            fr = c.post(
                "/flow_runs/",
                json={"flow_id": flow_id, "work_pool_name": name, "work_queue_name": queue,
                      "state": {"type": "SCHEDULED", "name": "Scheduled"}},
            ).json()
            assert fr["work_pool_name"] == name and fr["work_queue_name"] == queue
            made[fr["id"]] = queue
        polled = c.post(f"/work_pools/{name}/get_scheduled_flow_runs", json={}).json()
        order = [made[p["flow_run"]["id"]] for p in polled]
        # urgent (priority 1) first; the limited queue (limit 0) yields nothing.
        assert order == ["urgent", "default"]


def test_process_worker_executes_deployment_run(tmp_path, prefect_cli):
    pool = f"proc-{uuid.uuid4().hex[:6]}"
    prefect_cli("work-pool", "create", pool, "--type", "process")
    (tmp_path / "flows.py").write_text(textwrap.dedent(
        """
        from prefect import flow

        @flow
        def work(n: int = 1):
            return n * 2
        """
    ))
    deploy_script = tmp_path / "deploy.py"
    deploy_script.write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:work").deploy(
            name="by-worker", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    env = dict(os.environ)
    subprocess.run([sys.executable, str(deploy_script)], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    out = prefect_cli("deployment", "run", "work/by-worker", "--param", "n=21")
    assert "Created flow run" in out.stdout

    async def the_run():
        async with get_client() as client:
            d = await client.read_deployment_by_name("work/by-worker")
            runs = await client.read_flow_runs()
            return next((r for r in runs if r.deployment_id == d.id), None)

    fr = run(the_run())
    assert fr is not None and fr.work_pool_name == pool
    prefect_cli("worker", "start", "--pool", pool, "--type", "process", "--run-once", timeout=180)

    async def state():
        async with get_client() as client:
            return (await client.read_flow_run(fr.id)).state

    final = wait_for(lambda: (s := run(state())) and s.is_final() and s, 60, "a final state")
    assert final.type.value == "COMPLETED", final


def test_process_worker_takes_the_higher_priority_queue_first(tmp_path, prefect_cli):
    # Two queues of one pool; the priority-2 queue's run is due earlier, yet a worker with
    # room for one run submits the priority-1 queue's run.
    pool = f"prio-w-{uuid.uuid4().hex[:6]}"
    prefect_cli("work-pool", "create", pool, "--type", "process")
    (tmp_path / "flows.py").write_text(textwrap.dedent(
        """
        from prefect import flow

        @flow
        def ranked():
            return 1
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:ranked").deploy(
            name="ranked", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=dict(os.environ), check=True,
                   capture_output=True, timeout=120)
    api_url = os.environ["PREFECT_API_URL"]
    with http_client(api_url) as c:
        assert c.post(f"/work_pools/{pool}/queues", json={"name": "first", "priority": 1}).status_code == 201
        assert c.post(f"/work_pools/{pool}/queues", json={"name": "second", "priority": 2}).status_code == 201
        d = c.get("/deployments/name/ranked/ranked").json()
        now = time.time()

        def due(seconds_ago):
            from datetime import datetime, timezone
            return datetime.fromtimestamp(now - seconds_ago, timezone.utc).isoformat()

        ids = {}
        for queue, ago in (("second", 120), ("first", 10)):
            r = c.post(f"/deployments/{d['id']}/create_flow_run",
                       json={"work_queue_name": queue,
                             "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": due(ago)}}})
            assert r.status_code == 201, r.text
            assert r.json()["work_queue_name"] == queue
            ids[queue] = r.json()["id"]
        prefect_cli("worker", "start", "--pool", pool, "--type", "process", "--run-once", "--limit", "1", timeout=180)

        def state_type(queue):
            return c.get(f"/flow_runs/{ids[queue]}").json()["state_type"]

        wait_for(lambda: state_type("first") == "COMPLETED", 60, "the priority-1 run to complete")
        assert state_type("second") == "SCHEDULED"
