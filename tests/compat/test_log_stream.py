"""The /logs/out WebSocket: `prefect flow-run watch` and `prefect deployment run --watch`
show a run's log lines as they are stored and exit 0 when the run finishes."""

import os
import subprocess
import sys
import textwrap
import time
import uuid

from prefect import flow
from prefect.client.orchestration import get_client

from scenarios import child_env, http_client, run, unique, wait_for, write_script

PREFECT = os.path.join(os.path.dirname(sys.executable), "prefect")


def _start_watch(*args: str) -> subprocess.Popen:
    env = dict(child_env(), COLUMNS="250")
    return subprocess.Popen([PREFECT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the watch did not end within {timeout}s\n{out}\n{err}")
    return proc.returncode, out, err


@flow(name="chatty-watched")
def chatty(marker: str):
    from prefect import get_run_logger
    get_run_logger().info("watched line %s", marker)


def test_flow_run_watch_shows_the_runs_logs_and_exits_0(api_url):
    marker = uuid.uuid4().hex

    async def create():
        async with get_client() as client:
            return await client.create_flow_run(chatty, parameters={"marker": marker})

    flow_run = run(create())
    watcher = _start_watch("flow-run", "watch", str(flow_run.id))
    try:
        # The watcher subscribes to /logs/out and /events/out before the run starts (the
        # stream is live-only); it keeps watching a run that has not started.
        time.sleep(4)
        assert watcher.poll() is None, watcher.communicate()
        script = write_script(f"""
            import sys
            sys.path.insert(0, {os.path.dirname(__file__)!r})
            from prefect.client.orchestration import get_client
            from prefect.flow_engine import run_flow
            from test_log_stream import chatty
            with get_client(sync_client=True) as client:
                flow_run = client.read_flow_run(sys.argv[1])
            run_flow(chatty, flow_run=flow_run, parameters={{"marker": {marker!r}}})
        """)
        subprocess.run([sys.executable, str(script), str(flow_run.id)], env=child_env(), check=True,
                       capture_output=True, timeout=120)
        code, out, err = _finish(watcher, 60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert code == 0, f"{out}\n{err}"
    assert f"watched line {marker}" in out, out
    assert "Completed" in out, out


def test_logs_out_filters_by_flow_run_and_level(api_url):
    """A raw subscriber: the auth handshake, then only logs matching its filter arrive."""
    import asyncio
    import json

    import websockets

    with http_client(api_url) as c:
        flow_id = c.post("/flows/", json={"name": unique("log-stream")}).json()["id"]
        mine = c.post("/flow_runs/", json={"flow_id": flow_id}).json()["id"]
        other = c.post("/flow_runs/", json={"flow_id": flow_id}).json()["id"]

    ws_url = api_url.replace("http://", "ws://") + "/logs/out"

    def log(run_id, level, message):
        from datetime import datetime, timezone
        return {"name": "test", "level": level, "message": message, "flow_run_id": run_id,
                "timestamp": datetime.now(timezone.utc).isoformat()}

    async def subscribe_and_collect():
        async with websockets.connect(ws_url, subprotocols=["prefect"]) as ws:
            await ws.send(json.dumps({"type": "auth", "token": None}))
            assert json.loads(await ws.recv()) == {"type": "auth_success"}
            await ws.send(json.dumps({"type": "filter", "filter": {
                "flow_run_id": {"any_": [mine]}, "level": {"ge_": 20, "le_": None}}}))
            await asyncio.sleep(1.5)  # the subscription is registered
            with http_client(api_url) as c:
                r = c.post("/logs/", json=[log(mine, 10, "too quiet"), log(other, 40, "not mine"),
                                           log(mine, 30, "for me")])
                assert r.status_code == 201
            message = json.loads(await asyncio.wait_for(ws.recv(), 15))
            assert message["type"] == "log"
            got = message["log"]
            assert got["message"] == "for me" and got["flow_run_id"] == mine and got["level"] == 30
            assert set(got) >= {"id", "created", "updated", "name", "level", "message", "timestamp", "flow_run_id",
                                "task_run_id"}
            # Nothing else matches.
            try:
                extra = await asyncio.wait_for(ws.recv(), 2)
            except asyncio.TimeoutError:
                extra = None
            assert extra is None, extra

    run(subscribe_and_collect())


def test_logs_out_refuses_a_first_message_that_is_not_a_filter(api_url):
    import json

    import websockets

    ws_url = api_url.replace("http://", "ws://") + "/logs/out"

    async def go():
        async with websockets.connect(ws_url, subprotocols=["prefect"]) as ws:
            await ws.send(json.dumps({"type": "auth", "token": None}))
            assert json.loads(await ws.recv()) == {"type": "auth_success"}
            await ws.send(json.dumps({"type": "subscribe"}))
            try:
                await ws.recv()
            except websockets.exceptions.ConnectionClosed as closed:
                return closed.rcvd.code, closed.rcvd.reason
            return None

    assert run(go()) == (1002, "Expected 'filter' message")


def test_deployment_run_watch_shows_the_runs_logs_and_exits_0(tmp_path, prefect_cli):
    pool = f"watch-{uuid.uuid4().hex[:6]}"
    marker = uuid.uuid4().hex
    prefect_cli("work-pool", "create", pool, "--type", "process")
    (tmp_path / "flows.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow, get_run_logger

        @flow
        def announced():
            get_run_logger().info("deployment line {marker}")
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:announced").deploy(
            name="watched", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=child_env(), check=True,
                   capture_output=True, timeout=120)
    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", pool, "--type", "process"],
                              env=dict(child_env(), PREFECT_WORKER_QUERY_SECONDS="1"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = prefect_cli("deployment", "run", "announced/watched", "--watch", "--watch-timeout", "150",
                          timeout=180)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert f"deployment line {marker}" in out.stdout, out.stdout
    assert "Completed" in out.stdout, out.stdout
