"""Background task workers over /task_runs/subscriptions/scheduled: a real `serve(...)`
process runs tasks submitted with `.delay()`, each run goes to one worker, a run sent to a
worker that dies before acknowledging it goes to another, and /task_workers/filter lists the
connected workers."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import websockets

from scenarios import child_env, http_client, wait_for


def _tasks_module(directory: Path, name: str) -> Path:
    """A module with background tasks; each records the pid that ran it."""
    (directory / f"{name}.py").write_text(textwrap.dedent(
        """
        import os
        import time

        from prefect import task

        @task
        def double(n: int) -> dict:
            time.sleep(0.5)
            return {"value": n * 2, "pid": os.getpid()}

        @task
        def slow(seconds: float) -> dict:
            time.sleep(seconds)
            return {"pid": os.getpid()}
        """
    ))
    return directory


def _start_worker(directory: Path, module: str, *tasks: str, limit: int = 10) -> subprocess.Popen:
    script = directory / f"serve_{uuid.uuid4().hex[:6]}.py"
    script.write_text(textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(directory)!r})
        from prefect.task_worker import serve
        from {module} import {", ".join(tasks)}
        serve({", ".join(tasks)}, limit={limit})
        """
    ))
    return subprocess.Popen([sys.executable, str(script)], env=child_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _submit(directory: Path, module: str, calls: str, timeout: float = 150) -> list:
    """Runs `calls` (an expression of futures, e.g. "[double.delay(1)]") in a child process
    and returns [(task run id, result)] read with .result()."""
    script = directory / f"submit_{uuid.uuid4().hex[:6]}.py"
    script.write_text(textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(directory)!r})
        from {module} import double, slow
        futures = {calls}
        print(json.dumps([[str(f.task_run_id), f.result(timeout=120)] for f in futures]))
        """
    ))
    proc = subprocess.run([sys.executable, str(script)], env=child_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _task_workers(api_url: str, keys=None) -> list:
    body = {"task_worker_filter": {"task_keys": keys}} if keys is not None else None
    with http_client(api_url) as c:
        r = c.post("/task_workers/filter", json=body)
        assert r.status_code == 200, r.text
        return r.json()


def _task_key(api_url: str, task_run_id: str) -> str:
    with http_client(api_url) as c:
        return c.get(f"/task_runs/{task_run_id}").json()["task_key"]


def test_a_task_worker_runs_delayed_tasks_and_results_come_back(tmp_path, api_url):
    module = f"bg_{uuid.uuid4().hex[:6]}"
    _tasks_module(tmp_path, module)
    worker = _start_worker(tmp_path, module, "double")
    try:
        results = _submit(tmp_path, module, "[double.delay(n) for n in range(3)]")
        assert [r[1]["value"] for r in results] == [0, 2, 4]
        assert {r[1]["pid"] for r in results} == {worker.pid}
        key = _task_key(api_url, results[0][0])
        workers = wait_for(lambda: _task_workers(api_url, [key]), 20, "the worker in /task_workers/filter")
        assert len(workers) == 1 and workers[0]["task_keys"] == [key]
        assert workers[0]["identifier"].endswith(f"-{worker.pid}")
        assert set(workers[0]) == {"identifier", "task_keys", "timestamp"}
        assert any(w["identifier"] == workers[0]["identifier"] for w in _task_workers(api_url))
        assert _task_workers(api_url, ["no-such-task-key"]) == []
        with http_client(api_url) as c:
            state = c.get(f"/task_runs/{results[0][0]}").json()["state"]
            assert state["type"] == "COMPLETED"
    finally:
        _stop(worker)


def test_two_task_workers_each_get_distinct_runs(tmp_path, api_url):
    module = f"bg_{uuid.uuid4().hex[:6]}"
    _tasks_module(tmp_path, module)
    # limit=1: a worker takes its next run only when it has finished the last one.
    workers = [_start_worker(tmp_path, module, "double", limit=1) for _ in range(2)]
    try:
        time.sleep(3)  # both subscribed
        results = _submit(tmp_path, module, "[double.delay(n) for n in range(8)]")
        assert sorted(r[1]["value"] for r in results) == [n * 2 for n in range(8)]
        by_pid = {}
        for run_id, result in results:
            by_pid.setdefault(result["pid"], []).append(run_id)
        assert set(by_pid) == {w.pid for w in workers}, by_pid
        ran = [run_id for ids in by_pid.values() for run_id in ids]
        assert len(ran) == len(set(ran)) == 8
        with http_client(api_url) as c:
            for run_id, _ in results:
                run = c.get(f"/task_runs/{run_id}").json()
                assert run["state_type"] == "COMPLETED" and run["run_count"] == 1, run
    finally:
        for w in workers:
            _stop(w)


def test_a_run_sent_to_a_killed_worker_goes_to_another(tmp_path, api_url):
    """Worker A (limit 1) runs a long task. The client acknowledges each run as it reads it
    and reads the next one before waiting for room, so A also acknowledges a second run and
    is then sent a third it never reads. Killed, A loses the runs it acknowledged (as on
    Prefect's server: the long run stays Running, the second stays Scheduled, neither is
    delivered again) and the third is delivered to worker B."""
    module = f"bg_{uuid.uuid4().hex[:6]}"
    _tasks_module(tmp_path, module)
    first = _start_worker(tmp_path, module, "slow", limit=1)
    second = None
    submitter = None
    try:
        time.sleep(3)
        script = tmp_path / "submit_three.py"
        script.write_text(textwrap.dedent(
            f"""
            import json, sys, time
            sys.path.insert(0, {str(tmp_path)!r})
            from {module} import slow
            runs = []
            for seconds in (600, 0.1, 0.1):
                runs.append(slow.delay(seconds))
                print(json.dumps(str(runs[-1].task_run_id)), flush=True)
                time.sleep(1)
            print(json.dumps(runs[-1].result(timeout=150)), flush=True)
            """
        ))
        submitter = subprocess.Popen([sys.executable, str(script)], env=child_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        long_id, acked_id, sent_id = (json.loads(submitter.stdout.readline()) for _ in range(3))
        with http_client(api_url) as c:
            def state(run_id):
                return c.get(f"/task_runs/{run_id}").json()["state_type"]

            wait_for(lambda: state(long_id) == "RUNNING", 60, "the long run to start on worker A")
            time.sleep(3)  # the third run has been sent to A, which has no room to read it
            assert state(acked_id) == "SCHEDULED" and state(sent_id) == "SCHEDULED"
            first.kill()
            first.wait(timeout=10)
            second = _start_worker(tmp_path, module, "slow", limit=1)
            out, err = submitter.communicate(timeout=150)
            assert submitter.returncode == 0, err[-4000:]
            result = json.loads(out.strip().splitlines()[-1])
            assert result["pid"] == second.pid
            assert state(sent_id) == "COMPLETED"
            time.sleep(3)
            # What A acknowledged is not delivered again.
            assert state(long_id) == "RUNNING"
            assert state(acked_id) == "SCHEDULED"
    finally:
        if submitter is not None and submitter.poll() is None:
            submitter.kill()
        _stop(first)
        if second is not None:
            _stop(second)


def test_subscribe_protocol_violations_close_with_4001(api_url):
    ws_url = api_url.replace("http://", "ws://") + "/task_runs/subscriptions/scheduled"

    async def close_reason(subscribe):
        async with websockets.connect(ws_url, subprotocols=["prefect"]) as ws:
            await ws.send(json.dumps({"type": "auth", "token": None}))
            assert json.loads(await ws.recv()) == {"type": "auth_success"}
            await ws.send(json.dumps(subscribe))
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.exceptions.ConnectionClosed as closed:
                return closed.rcvd.code, closed.rcvd.reason
            return None

    assert asyncio.run(close_reason({"type": "hello"})) == (4001, "Protocol violation: expected 'subscribe' message")
    assert asyncio.run(close_reason({"type": "subscribe", "keys": []})) == (
        4001, "Protocol violation: expected 'keys' in subscribe message")
    assert asyncio.run(close_reason({"type": "subscribe", "keys": ["k"]})) == (
        4001, "Protocol violation: expected 'client_id' in subscribe message")


def test_task_workers_filter_validation(api_url):
    with http_client(api_url) as c:
        r = c.post("/task_workers/filter", json={"task_worker_filter": {}})
        assert r.status_code == 422
        assert [(e["type"], e["loc"]) for e in r.json()["exception_detail"]] == [
            ("missing", ["body", "task_worker_filter", "task_keys"])]
        r = c.post("/task_workers/filter", json={"task_worker_filter": {"task_keys": ["k", 1]}})
        assert r.status_code == 422
        assert [(e["type"], e["loc"]) for e in r.json()["exception_detail"]] == [
            ("string_type", ["body", "task_worker_filter", "task_keys", 1])]
        assert c.post("/task_workers/filter").status_code == 200
        assert c.post("/task_workers/filter", json={"task_worker_filter": None}).status_code == 200
