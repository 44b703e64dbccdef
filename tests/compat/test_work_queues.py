"""The id-based work-queue API (/api/work_queues) through PrefectClient and the
`prefect work-queue` CLI. Every assertion holds against Praetor and against Prefect's own
server (PRAETOR_COMPAT_TARGET=prefect).
"""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from scenarios import raw_response, run


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _cli(*args: str, answer: str = "y\n") -> subprocess.CompletedProcess:
    """The prefect CLI with `answer` on stdin (pause asks to confirm the default pool)."""
    env = dict(os.environ)
    env["COLUMNS"] = "250"
    exe = str(Path(sys.executable).parent / "prefect")
    return subprocess.run([exe, *args], env=env, input=answer, capture_output=True, text=True, timeout=120)


# Verifies create/read/update/filter/delete of a legacy queue: it lands in the default
# agent pool, names are unique there, and a missing id is a 404 the client maps.
def test_work_queue_client_crud(api_url):
    name = _name("wq-crud")

    async def body():
        async with get_client() as client:
            q = await client.create_work_queue(name=name, description="d", concurrency_limit=2)
            assert q.name == name and q.description == "d" and q.concurrency_limit == 2
            assert q.work_pool_name == "default-agent-pool" and q.is_paused is False
            with pytest.raises(ObjectAlreadyExists):
                await client.create_work_queue(name=name)
            by_name = await client.read_work_queue_by_name(name)
            assert by_name.id == q.id
            by_id = await client.read_work_queue(q.id)
            assert by_id.name == name and by_id.priority == q.priority
            await client.update_work_queue(q.id, is_paused=True, concurrency_limit=5, description="e")
            paused = await client.read_work_queue(q.id)
            assert paused.is_paused and paused.concurrency_limit == 5 and paused.description == "e"
            assert paused.status == "PAUSED"
            matched = await client.match_work_queues([name[:10]])
            assert q.id in [m.id for m in matched]
            everything = await client.read_work_queues()
            assert q.id in [w.id for w in everything]
            await client.delete_work_queue_by_id(q.id)
            with pytest.raises(ObjectNotFound):
                await client.read_work_queue(q.id)
            with pytest.raises(ObjectNotFound):
                await client.read_work_queue_by_name(name)
            with pytest.raises(ObjectNotFound):
                await client.delete_work_queue_by_id(q.id)
            with pytest.raises(ObjectNotFound):
                await client.update_work_queue(q.id, is_paused=False)

    run(body())


# Verifies get_runs hands out the queue's due scheduled runs (none while paused), records
# the poll (status turns healthy with last_polled), and missing ids are 404s.
def test_work_queue_runs_and_status(api_url):
    queue_name = _name("wq-runs")

    async def body():
        async with get_client() as client:
            flow_id = await client.create_flow_from_name(_name("wq-flow"))
            deployment_id = await client.create_deployment(flow_id=flow_id, name="wq-dep", work_queue_name=queue_name)
            q = await client.read_work_queue_by_name(queue_name)
            assert q.work_pool_name == "default-agent-pool"
            status = await client.read_work_queue_status(q.id)
            assert status.healthy is False and status.late_runs_count == 0 and status.last_polled is None
            assert status.health_check_policy.maximum_late_runs == 0
            assert status.health_check_policy.maximum_seconds_since_last_polled == 60
            fr = await client.create_flow_run_from_deployment(deployment_id)
            runs = await client.get_runs_in_work_queue(q.id, limit=10)
            assert [r.id for r in runs] == [fr.id]
            assert runs[0].work_queue_name == queue_name
            # Prefect records the poll in a background task: poll for it.
            for _ in range(100):
                polled = await client.read_work_queue(q.id)
                if polled.last_polled is not None and polled.status == "READY":
                    break
                await asyncio.sleep(0.1)
            assert polled.last_polled is not None and polled.status == "READY"
            status = await client.read_work_queue_status(q.id)
            assert status.healthy is True and status.last_polled is not None
            slots = await client.read_work_queue_concurrency_status(q.id)
            assert slots.active_slots == 0 and slots.flow_runs == [] and slots.page == 1
            await client.update_work_queue(q.id, is_paused=True)
            assert await client.get_runs_in_work_queue(q.id) == []
            await client.update_work_queue(q.id, is_paused=False)
            assert len(await client.get_runs_in_work_queue(q.id, limit=1)) == 1
            missing = uuid.uuid4()
            with pytest.raises(ObjectNotFound):
                await client.get_runs_in_work_queue(missing)
            with pytest.raises(ObjectNotFound):
                await client.read_work_queue_status(missing)
            raw = await raw_response(client, "POST", f"/work_queues/{missing}/concurrency_status", json={})
            assert raw.status_code == 404

    run(body())


# Verifies the legacy POST /work_queues/ answers "default" with the default agent pool's
# own default queue, and rejects bad values with 422s.
def test_work_queue_create_validation(api_url):
    async def body():
        async with get_client() as client:
            raw = await raw_response(client, "POST", "/work_queues/", json={"name": _name("wq-bad"), "priority": 0})
            assert raw.status_code == 422
            raw = await raw_response(client, "POST", "/work_queues/", json={"name": _name("wq-bad"), "concurrency_limit": -1})
            assert raw.status_code == 422
            raw = await raw_response(client, "POST", "/work_queues/", json={"description": "no name"})
            assert raw.status_code == 422
            raw = await raw_response(client, "GET", "/work_queues/name/no-such-queue-anywhere")
            assert raw.status_code == 404 and raw.json() == {"detail": "work queue not found"}

    run(body())


# Verifies the `prefect work-queue` CLI end to end: create with a limit, ls, inspect
# (json), pause, resume, delete.
def test_work_queue_cli(api_url):
    name = _name("wq-cli")
    out = _cli("work-queue", "create", name, "--limit", "3")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "default-agent-pool" in out.stdout and "concurrency limit - 3" in out.stdout

    out = _cli("work-queue", "ls")
    assert out.returncode == 0, out.stdout + out.stderr
    assert name in out.stdout

    out = _cli("work-queue", "inspect", name, "--output", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    shown = json.loads(out.stdout)
    assert shown["name"] == name and shown["concurrency_limit"] == 3
    assert shown["status_details"]["healthy"] is False

    out = _cli("work-queue", "pause", name)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "paused" in out.stdout
    out = _cli("work-queue", "inspect", name, "--output", "json")
    assert json.loads(out.stdout)["is_paused"] is True

    out = _cli("work-queue", "resume", name)
    assert out.returncode == 0, out.stdout + out.stderr
    shown = json.loads(_cli("work-queue", "inspect", name, "--output", "json").stdout)
    assert shown["is_paused"] is False and shown["status"] == "NOT_READY"

    out = _cli("work-queue", "delete", name)
    assert out.returncode == 0, out.stdout + out.stderr
    out = _cli("work-queue", "inspect", name)
    assert out.returncode != 0 and "No work queue named" in out.stdout + out.stderr
