"""Prefect's status events for work pools, work queues and deployments (what the UI's
"work pool status", "work queue status" and "deployment status" automation triggers
watch): a worker's heartbeat and poll make them ready, pausing makes pools and queues
paused, and the foreman makes them not-ready once their workers go silent."""

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate

from scenarios import http_client, run, unique, wait_for


def _events(api_url: str, resource_id: str, kind: str, changes: list[str], count: int) -> list[dict]:
    """The resource's `prefect.{kind}.{change}` events, oldest first, once `count` are stored."""
    names = {f"prefect.{kind}.{change}" for change in changes}

    def seen():
        with http_client(api_url) as c:
            r = c.post("/events/filter", json={"filter": {"resource": {"id": [resource_id]}}, "limit": 50})
        assert r.status_code == 200, r.text
        events = sorted((e for e in r.json()["events"] if e["event"] in names), key=lambda e: e["occurred"])
        return events if len(events) >= count else None

    return wait_for(seen, 60, f"{count} {kind} events of {resource_id}")


def _status_events(api_url: str, resource_id: str, kind: str, count: int) -> list[dict]:
    return _events(api_url, resource_id, kind, ["ready", "not-ready", "paused"], count)


def _lifecycle_events(api_url: str, resource_id: str, kind: str, count: int) -> list[dict]:
    return _events(api_url, resource_id, kind, ["created", "updated", "deleted"], count)


async def _pool_queue_and_deployment(client, pool_name: str) -> tuple:
    pool = await client.create_work_pool(WorkPoolCreate(name=pool_name, type="process"))
    queue = await client.create_work_queue(name="status-q", work_pool_name=pool_name)
    flow_id = await client.create_flow_from_name(unique("status-flow"))
    deployment_id = await client.create_deployment(flow_id=flow_id, name="status-d", work_pool_name=pool_name,
                                                   work_queue_name="status-q")
    return pool, queue, flow_id, deployment_id


# Verifies the events of a pool's creation (not-ready), a heartbeat (ready), a pause and an unpause with a worker
# online (pool paused, then ready), a poll (its queue and deployment ready), and a queue's
# pause and unpause within a minute of the poll (paused, then ready), with Prefect's
# resources and related resources; each step waits for its event, so none races another.
def test_heartbeats_polls_and_pauses_emit_status_events(api_url):
    pool_name = unique("status-pool")

    async def scenario():
        async with get_client() as client:
            pool, queue, flow_id, deployment_id = await _pool_queue_and_deployment(client, pool_name)
            pool_id, queue_id = f"prefect.work-pool.{pool.id}", f"prefect.work-queue.{queue.id}"
            _status_events(api_url, pool_id, "work-pool", 1)
            await client.send_worker_heartbeat(pool_name, "status-worker", heartbeat_interval_seconds=30)
            _status_events(api_url, pool_id, "work-pool", 2)
            await client.update_work_pool(pool_name, WorkPoolUpdate(is_paused=True))
            _status_events(api_url, pool_id, "work-pool", 3)
            await client.update_work_pool(pool_name, WorkPoolUpdate(is_paused=False))
            pool_events = _status_events(api_url, pool_id, "work-pool", 4)
            await client.get_scheduled_flow_runs_for_work_pool(pool_name, work_queue_names=["status-q"])
            _status_events(api_url, queue_id, "work-queue", 1)
            deployment_events = _status_events(api_url, f"prefect.deployment.{deployment_id}", "deployment", 1)
            await client.update_work_queue(queue.id, is_paused=True)
            _status_events(api_url, queue_id, "work-queue", 2)
            await client.update_work_queue(queue.id, is_paused=False)
            queue_events = _status_events(api_url, queue_id, "work-queue", 3)
            return pool, queue, flow_id, deployment_id, pool_events, queue_events, deployment_events

    pool, queue, flow_id, deployment_id, pool_events, queue_events, deployment_events = run(scenario())
    pool_resource = {"prefect.resource.id": f"prefect.work-pool.{pool.id}", "prefect.resource.name": pool_name,
                     "prefect.work-pool.type": "process"}
    assert [e["event"] for e in pool_events] == ["prefect.work-pool.not-ready", "prefect.work-pool.ready",
                                                 "prefect.work-pool.paused", "prefect.work-pool.ready"]
    assert [e["resource"] for e in pool_events] == [pool_resource] * 4

    pool_related = {**pool_resource, "prefect.resource.role": "work-pool"}
    assert [e["event"] for e in queue_events] == ["prefect.work-queue.ready", "prefect.work-queue.paused",
                                                  "prefect.work-queue.ready"]
    assert [e["resource"] for e in queue_events] == [
        {"prefect.resource.id": f"prefect.work-queue.{queue.id}", "prefect.resource.name": "status-q",
         "prefect.resource.role": "work-queue"}] * 3
    assert [e["related"] for e in queue_events] == [[pool_related]] * 3

    [ready] = deployment_events
    assert ready["event"] == "prefect.deployment.ready"
    assert ready["resource"] == {"prefect.resource.id": f"prefect.deployment.{deployment_id}",
                                 "prefect.resource.name": "status-d"}
    related = {r["prefect.resource.role"]: r for r in ready["related"]}
    assert related["flow"]["prefect.resource.id"] == f"prefect.flow.{flow_id}"
    assert related["work-queue"] == {"prefect.resource.id": f"prefect.work-queue.{queue.id}",
                                     "prefect.resource.name": "status-q", "prefect.resource.role": "work-queue"}
    assert related["work-pool"] == pool_related


# Verifies the foreman's side: with a 1 s loop, 2 s poll timeouts and a worker that promised
# a heartbeat every second, a pool, queue and deployment made ready by a heartbeat and a poll
# turn not-ready once the worker and its polls stop, one event each (a pool's first is its
# creation's not-ready).
def test_silent_workers_make_pools_queues_and_deployments_not_ready(dedicated_server):
    srv = dedicated_server({
        "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "1",
        "PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS": "2",
        "PREFECT_SERVER_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS": "2",
        "PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE": "2",
    })
    pool_name = unique("silent-pool")

    async def scenario():
        async with PrefectClient(srv.api_url) as client:
            pool, queue, _, deployment_id = await _pool_queue_and_deployment(client, pool_name)
            await client.send_worker_heartbeat(pool_name, "silent-worker", heartbeat_interval_seconds=1)
            await client.get_scheduled_flow_runs_for_work_pool(pool_name, work_queue_names=["status-q"])
            return pool, queue, deployment_id

    pool, queue, deployment_id = run(scenario())
    for resource_id, kind, before in [(f"prefect.work-pool.{pool.id}", "work-pool", ["not-ready"]),
                                      (f"prefect.work-queue.{queue.id}", "work-queue", []),
                                      (f"prefect.deployment.{deployment_id}", "deployment", [])]:
        expected = [f"prefect.{kind}.{status}" for status in [*before, "ready", "not-ready"]]
        events = _status_events(srv.api_url, resource_id, kind, len(expected))
        assert [e["event"] for e in events] == expected, resource_id


# Verifies a work queue's lifecycle events: created (the pool's default queue with the pool,
# and a queue created in it), updated with only the changed fields among name, description,
# concurrency limit and priority (a pause is its status event, not an update), and deleted,
# each relating the queue's pool.
def test_work_queue_lifecycle_events(api_url):
    pool_name = unique("wq-events")

    async def scenario():
        async with get_client() as client:
            pool = await client.create_work_pool(WorkPoolCreate(name=pool_name, type="process"))
            queue = await client.create_work_queue(name="lifecycle-q", work_pool_name=pool_name, description="one")
            await client.update_work_queue(queue.id, description="two", concurrency_limit=3, priority=queue.priority,
                                           is_paused=True)
            await client.delete_work_queue_by_id(queue.id)
            return pool, queue

    pool, queue = run(scenario())

    pool_related = [{"prefect.resource.id": f"prefect.work-pool.{pool.id}", "prefect.resource.name": pool_name,
                     "prefect.work-pool.type": "process", "prefect.resource.role": "work-pool"}]
    [default_created] = _lifecycle_events(api_url, f"prefect.work-queue.{pool.default_queue_id}", "work-queue", 1)
    assert default_created["event"] == "prefect.work-queue.created"
    assert default_created["resource"] == {"prefect.resource.id": f"prefect.work-queue.{pool.default_queue_id}",
                                           "prefect.resource.name": "default", "prefect.resource.role": "work-queue"}
    assert default_created["related"] == pool_related

    events = _lifecycle_events(api_url, f"prefect.work-queue.{queue.id}", "work-queue", 3)
    assert [e["event"] for e in events] == ["prefect.work-queue.created", "prefect.work-queue.updated",
                                            "prefect.work-queue.deleted"]
    assert [e["resource"] for e in events] == [{"prefect.resource.id": f"prefect.work-queue.{queue.id}",
                                                "prefect.resource.name": "lifecycle-q",
                                                "prefect.resource.role": "work-queue"}] * 3
    assert [e["related"] for e in events] == [pool_related] * 3
    assert events[1]["payload"] == {"updated_fields": ["description", "concurrency_limit"],
                                    "updates": {"description": {"from": "one", "to": "two"},
                                                "concurrency_limit": {"from": None, "to": 3}}}


# Verifies a deployment's lifecycle events: created (relating its flow, work queue and work
# pool), updated by a PATCH with only the fields that changed (Prefect lists them in no fixed
# order), and deleted.
def test_deployment_lifecycle_events(api_url):
    from prefect.client.schemas.actions import DeploymentUpdate

    pool_name = unique("deployment-events")

    async def scenario():
        async with get_client() as client:
            await client.create_work_pool(WorkPoolCreate(name=pool_name, type="process"))
            flow_id = await client.create_flow_from_name(unique("lifecycle-flow"))
            deployment_id = await client.create_deployment(flow_id=flow_id, name="lifecycle-d", description="one",
                                                           work_pool_name=pool_name)
            await client.update_deployment(deployment_id, DeploymentUpdate(description="two", tags=["nightly"]))
            await client.delete_deployment(deployment_id)
            return flow_id, deployment_id

    flow_id, deployment_id = run(scenario())
    events = _lifecycle_events(api_url, f"prefect.deployment.{deployment_id}", "deployment", 3)
    assert [e["event"] for e in events] == ["prefect.deployment.created", "prefect.deployment.updated",
                                            "prefect.deployment.deleted"]
    assert [e["resource"] for e in events] == [{"prefect.resource.id": f"prefect.deployment.{deployment_id}",
                                                "prefect.resource.name": "lifecycle-d"}] * 3
    related = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in events[0]["related"]}
    assert related["flow"] == f"prefect.flow.{flow_id}"
    assert related["work-pool"].startswith("prefect.work-pool.") and related["work-queue"].startswith("prefect.work-queue.")
    payload = events[1]["payload"]
    assert sorted(payload["updated_fields"]) == ["description", "tags"]
    assert payload["updates"] == {"description": {"from": "one", "to": "two"}, "tags": {"from": [], "to": ["nightly"]}}


# Verifies the events of a pool the server creates on its own: a legacy queue created
# through /work_queues/ on a fresh server makes the default-agent-pool, which emits its
# default queue's created and its own created event (a prefect-agent pool has no status
# event), then the queue's created event.
def test_default_agent_pool_creation_events(dedicated_server):
    srv = dedicated_server({})
    with http_client(srv.api_url) as c:
        queue = c.post("/work_queues/", json={"name": "legacy-q"}).json()
        pool = c.get("/work_pools/default-agent-pool").json()
    [pool_created] = _lifecycle_events(srv.api_url, f"prefect.work-pool.{pool['id']}", "work-pool", 1)
    assert pool_created["resource"]["prefect.work-pool.type"] == "prefect-agent"
    for queue_id in [pool["default_queue_id"], queue["id"]]:
        [created] = _lifecycle_events(srv.api_url, f"prefect.work-queue.{queue_id}", "work-queue", 1)
        assert created["related"][0]["prefect.resource.id"] == f"prefect.work-pool.{pool['id']}"
    with http_client(srv.api_url) as c:  # the events above are stored: a status event would be too
        r = c.post("/events/filter", json={"filter": {"resource": {"id": [f"prefect.work-pool.{pool['id']}"]}}})
    assert [e["event"] for e in r.json()["events"]] == ["prefect.work-pool.created"]
