"""Cancellation and pause expiry: the no-infrastructure bypass, the cancellation-cleanup and
pause-expiration services, and a run cancelled from the CLI while a real process worker
runs it.

Each test polls with a deadline instead of sleeping blindly; every assertion holds against
Praetor and against Prefect's own server (PRAETOR_COMPAT_TARGET=prefect).
"""

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import httpx

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.flow_runs import pause_flow_run

from scenarios import http_client, run, wait_for


def _iso(delta_seconds: float = 0) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)).isoformat()


def _state(c: httpx.Client, kind: str, run_id: str) -> dict:
    return c.get(f"/{kind}/{run_id}").json()["state"]


def _set_state(c: httpx.Client, run_id: str, state: dict, force: bool = False) -> dict:
    r = c.post(f"/flow_runs/{run_id}/set_state", json={"state": state, "force": force})
    assert r.status_code in (200, 201), r.text
    return r.json()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent has not collected it yet.
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def test_cancelling_a_run_without_infrastructure_cancels_it_outright(api_url, prefect_cli):
    with http_client(api_url) as c:
        flow_id = c.post("/flows/", json={"name": f"bypass-{uuid.uuid4().hex[:6]}"}).json()["id"]
        scheduled = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "SCHEDULED"}}).json()
        result = _set_state(c, scheduled["id"], {"type": "CANCELLING", "name": "Cancelling"})
        assert result["status"] == "REJECT"
        assert result["state"]["type"] == "CANCELLED"
        assert result["details"]["reason"] == "Scheduled flow run has no infrastructure to terminate."
        assert _state(c, "flow_runs", scheduled["id"])["type"] == "CANCELLED"

        # The CLI's cancel on a Scheduled run without a process ends Cancelled too.
        other = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "SCHEDULED"}}).json()
        out = prefect_cli("flow-run", "cancel", other["id"])
        assert "scheduled for cancellation" in out.stdout, out.stdout
        assert _state(c, "flow_runs", other["id"])["type"] == "CANCELLED"

        # A Scheduled run that has a process (infrastructure_pid) goes through Cancelling.
        with_pid = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "SCHEDULED"}}).json()
        assert c.patch(f"/flow_runs/{with_pid['id']}", json={"infrastructure_pid": "host:1234"}).status_code == 204
        result = _set_state(c, with_pid["id"], {"type": "CANCELLING", "name": "Cancelling"})
        assert result["status"] == "ACCEPT"
        assert result["state"]["type"] == "CANCELLING"


def test_cancellation_cleanup_cancels_task_runs_and_subflows(dedicated_server):
    srv = dedicated_server({"PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_LOOP_SECONDS": "1"})
    with http_client(srv.api_url) as c:
        flow_id = c.post("/flows/", json={"name": "cleanup-flow"}).json()["id"]
        parent = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}}).json()

        def task_run(key: str, state_type: str) -> dict:
            body = {"flow_run_id": parent["id"], "task_key": key, "dynamic_key": "0", "name": key,
                    "state": {"type": state_type}}
            r = c.post("/task_runs/", json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        open_task = task_run("open", "RUNNING")
        done_task = task_run("done", "COMPLETED")
        sub_task = task_run("sub", "RUNNING")
        subflow = c.post(
            "/flow_runs/",
            json={"flow_id": flow_id, "parent_task_run_id": sub_task["id"], "state": {"type": "RUNNING"}},
        ).json()
        assert _set_state(c, parent["id"], {"type": "CANCELLED"}, force=True)["status"] == "ACCEPT"

        def cleaned():
            states = (_state(c, "task_runs", open_task["id"]), _state(c, "flow_runs", subflow["id"]))
            return states if all(s["type"] == "CANCELLED" for s in states) else None

        task_state, subflow_state = wait_for(cleaned, 60, "the cancelled run's children to be cancelled")
        assert task_state["message"] == "The parent flow run was cancelled."
        assert subflow_state["message"] == "The parent flow run was cancelled."
        assert _state(c, "task_runs", done_task["id"])["type"] == "COMPLETED"


def test_expired_pause_fails_the_run_server_side(dedicated_server):
    srv = dedicated_server({"PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_LOOP_SECONDS": "1"})
    with http_client(srv.api_url) as c:
        flow_id = c.post("/flows/", json={"name": "pause-flow"}).json()["id"]
        expiring = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}}).json()
        lasting = c.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}}).json()
        for fr, timeout in ((expiring, 1), (lasting, 3600)):
            paused = _set_state(
                c, fr["id"],
                {"type": "PAUSED", "name": "Paused",
                 "state_details": {"pause_timeout": _iso(timeout), "pause_reschedule": False, "pause_key": "k"}},
            )
            assert paused["status"] == "ACCEPT", paused

        failed = wait_for(
            lambda: (s := _state(c, "flow_runs", expiring["id"]))["type"] == "FAILED" and s, 30, "the expired pause"
        )
        assert failed["message"] == "The flow was paused and never resumed."
        assert _state(c, "flow_runs", lasting["id"])["type"] == "PAUSED"


def test_flow_pausing_with_a_short_timeout_ends_failed():
    @flow(name=f"pauses-{uuid.uuid4().hex[:6]}")
    def pauses():
        pause_flow_run(timeout=2, poll_interval=1)
        return "resumed"

    state = pauses(return_state=True)
    assert state.is_failed(), state

    async def states():
        async with get_client() as client:
            return [s.type.value for s in await client.read_flow_run_states(state.state_details.flow_run_id)]

    history = run(states())
    assert "PAUSED" in history and history[-1] == "FAILED", history


def test_run_cancelled_from_cli_while_running_ends_cancelled_with_process_gone(tmp_path, prefect_cli):
    pool = f"cancel-{uuid.uuid4().hex[:6]}"
    prefect_cli("work-pool", "create", pool, "--type", "process")
    pid_file = tmp_path / "flow.pid"
    (tmp_path / "sleepy.py").write_text(textwrap.dedent(
        f"""
        import os
        import time
        from pathlib import Path

        from prefect import flow

        @flow
        def sleepy(seconds: int = 300):
            Path({str(pid_file)!r}).write_text(str(os.getpid()))
            time.sleep(seconds)
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="sleepy.py:sleepy").deploy(
            name="to-cancel", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=dict(os.environ), check=True,
                   capture_output=True, timeout=120)
    out = prefect_cli("deployment", "run", "sleepy/to-cancel")
    assert "Created flow run" in out.stdout

    async def the_run():
        async with get_client() as client:
            d = await client.read_deployment_by_name("sleepy/to-cancel")
            runs = await client.read_flow_runs()
            return next((r for r in runs if r.deployment_id == d.id), None)

    fr = run(the_run())
    assert fr is not None

    async def state():
        async with get_client() as client:
            return (await client.read_flow_run(fr.id)).state

    worker_env = dict(os.environ, PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_HEARTBEAT_SECONDS="5")
    worker_log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", pool, "--type", "process"],
        env=worker_env, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 120, "the flow to start")
        flow_pid = int(pid_file.read_text())
        assert run(state()).type.value == "RUNNING"
        assert _process_alive(flow_pid)

        out = prefect_cli("flow-run", "cancel", str(fr.id))
        assert "scheduled for cancellation" in out.stdout, out.stdout

        final = wait_for(lambda: (s := run(state())) and s.is_final() and s, 90, "the run to end")
        assert final.type.value == "CANCELLED", (final, (tmp_path / "worker.log").read_text(errors="replace")[-3000:])
        wait_for(lambda: not _process_alive(flow_pid), 30, "the flow's process to exit")

        async def history():
            async with get_client() as client:
                return [s.type.value for s in await client.read_flow_run_states(fr.id)]

        assert "CANCELLING" in run(history())
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        worker_log.close()
