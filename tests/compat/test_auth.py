"""Basic auth as Prefect 3.9.1 does it (PREFECT_SERVER_API_AUTH_STRING): every route answers
401 {"exception_message": "Unauthorized"} unless `Authorization: Basic base64(auth)` matches,
except GET of /health and /ready; WebSockets authenticate with their first message. The
SDK, CLI and a process worker work with PREFECT_API_AUTH_STRING on the client side."""

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from conftest import TARGET, Server
from scenarios import wait_for

AUTH = "admin:s3cret pass"  # ASCII: Prefect's hmac.compare_digest raises on other text
GOOD = {"Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}
UNAUTHORIZED = {"exception_message": "Unauthorized"}


@pytest.fixture(scope="module")
def auth_server():
    srv = Server(TARGET, {"PREFECT_SERVER_API_AUTH_STRING": AUTH})
    yield srv
    srv.stop()
    shutil.rmtree(srv.workdir, ignore_errors=True)


def client_env(api_url: str, auth: str | None, home: Path) -> dict[str, str]:
    """The environment of an SDK/CLI/worker process pointed at `api_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(home), DO_NOT_TRACK="1", COLUMNS="250",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if auth is not None:
        env["PREFECT_API_AUTH_STRING"] = auth
    return env


def prefect(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).parent / "prefect")
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_requests_need_matching_basic_credentials(auth_server):
    with httpx.Client(base_url=auth_server.api_url, timeout=10) as c:
        refused = [
            {},
            {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()},
            {"Authorization": "Basic " + base64.b64encode((AUTH + " ").encode()).decode()},
            {"Authorization": "basic " + GOOD["Authorization"].split()[1]},
            {"Authorization": "Bearer " + AUTH},
            {"Authorization": "Basic !!!"},
            {"Authorization": "Basic"},
            {"Authorization": GOOD["Authorization"] + " extra"},
        ]
        for headers in refused:
            r = c.post("/flows/", json={"name": "intruder"}, headers=headers)
            assert r.status_code == 401 and r.json() == UNAUTHORIZED, (headers, r.status_code, r.text)
        for method, path in [("GET", "/version"), ("GET", "/csrf-token?client=x"), ("POST", "/flows/filter"),
                             ("HEAD", "/health"), ("POST", "/health"), ("GET", "/health/"),
                             ("GET", "/admin/settings"), ("DELETE", "/flows/" + str(uuid.uuid4()))]:
            r = c.request(method, path)
            assert r.status_code == 401, (method, path, r.status_code)
        # Kubernetes-style probes need no credentials (GET only, exact paths).
        assert c.get("/health").status_code == 200 and c.get("/health").json() is True
        assert c.get("/ready").status_code == 200

        created = c.post("/flows/", json={"name": "authorized"}, headers=GOOD)
        assert created.status_code == 201, created.text
        assert c.get(f"/flows/{created.json()['id']}", headers=GOOD).json()["name"] == "authorized"
        assert c.post("/flows/filter", json={}, headers=GOOD).status_code == 200
        # The header is split on any whitespace, as Python's str.split() splits it.
        spaced = "Basic \t  " + GOOD["Authorization"].split()[1]
        assert c.get("/flows/name/authorized", headers={"Authorization": spaced}).status_code == 200
        # A CORS preflight is answered before authentication (Starlette's CORSMiddleware
        # wraps the API app); the 401 of a simple request carries the CORS headers.
        pre = c.options("/flows/filter", headers={"Origin": "http://ui.example",
                                                  "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200 and pre.text == "OK"
        denied = c.get("/flows/name/authorized", headers={"Origin": "http://ui.example"})
        assert denied.status_code == 401 and denied.headers["access-control-allow-origin"] == "*"


async def _ws_attempt(url: str, subprotocols, first_message):
    """What the server does with a WebSocket: ("status", code), ("recv", message) or
    ("closed", code, reason)."""
    try:
        async with connect(url, subprotocols=subprotocols, open_timeout=10) as ws:
            await ws.send(json.dumps(first_message))
            try:
                return ("recv", json.loads(await asyncio.wait_for(ws.recv(), 10)))
            except ConnectionClosed as e:
                return ("closed", e.rcvd.code if e.rcvd else None, e.rcvd.reason if e.rcvd else None)
    except InvalidStatus as e:
        return ("status", e.response.status_code)


def test_websockets_authenticate_with_their_first_message(auth_server):
    base = auth_server.api_url.replace("http://", "ws://")
    for path in ("/events/in", "/events/out", "/logs/out", "/task_runs/subscriptions/scheduled"):
        url = base + path
        attempt = lambda proto, msg: asyncio.run(_ws_attempt(url, proto, msg))  # noqa: E731
        assert attempt(None, {"type": "auth", "token": AUTH}) == ("status", 403), path
        assert attempt(["prefect"], {"type": "auth", "token": AUTH}) == ("recv", {"type": "auth_success"}), path
        assert attempt(["prefect"], {"type": "auth", "token": "admin:wrong"}) == ("closed", 1008, "Invalid token")
        assert attempt(["prefect"], {"type": "auth"}) == ("closed", 1008, "Auth required but no token provided")
        assert attempt(["prefect"], {"type": "auth", "token": ""}) == (
            "closed", 1008, "Auth required but no token provided")
        assert attempt(["prefect"], {"type": "hello", "token": AUTH}) == ("closed", 1008, "Expected 'auth' message")


def test_worker_channel_refuses_with_its_own_reason(auth_server):
    # The worker channel names every refusal "authentication_failed" (a reason its workers
    # read as terminal) instead of the specific message.
    url = auth_server.api_url.replace("http://", "ws://") + "/work_pools/any-pool/workers/connect"
    attempt = lambda proto, msg: asyncio.run(_ws_attempt(url, proto, msg))  # noqa: E731
    assert attempt(None, {"type": "auth", "token": AUTH}) == ("status", 403)
    assert attempt(["prefect"], {"type": "auth", "token": AUTH}) == ("recv", {"type": "auth_success"})
    assert attempt(["prefect"], {"type": "auth", "token": "admin:wrong"}) == ("closed", 1008, "authentication_failed")
    assert attempt(["prefect"], {"type": "auth"}) == ("closed", 1008, "authentication_failed")
    assert attempt(["prefect"], {"type": "hello", "token": AUTH}) == ("closed", 1008, "authentication_failed")


FLOW_SCRIPT = textwrap.dedent(
    """
    import sys
    from prefect import flow, task
    from prefect.events import emit_event

    @task
    def double(x):
        return 2 * x

    @flow(name=sys.argv[1])
    def guarded():
        emit_event(event="auth.test.emitted", resource={"prefect.resource.id": "auth-test." + sys.argv[1]})
        return double(1) + double(2)

    assert guarded() == 6
    """
)


def test_sdk_flow_tasks_and_events_with_auth_string(auth_server, tmp_path):
    script = tmp_path / "guarded.py"
    script.write_text(FLOW_SCRIPT)
    name = f"guarded-{uuid.uuid4().hex[:6]}"
    ok = subprocess.run([sys.executable, str(script), name], env=client_env(auth_server.api_url, AUTH, tmp_path / "h1"),
                        capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr[-3000:]

    with httpx.Client(base_url=auth_server.api_url, headers=GOOD, timeout=10) as c:
        runs = c.post("/flow_runs/filter", json={"flows": {"name": {"any_": [name]}}}).json()
        assert len(runs) == 1 and runs[0]["state_type"] == "COMPLETED", runs
        # Task runs reach the server as events over the authenticated /events/in socket.
        def task_runs():
            found = c.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [runs[0]["id"]]}}}).json()
            return found if len(found) == 2 and all(t["state_type"] == "COMPLETED" for t in found) else None

        wait_for(task_runs, 30, "both task runs, recorded from events")

        def emitted():
            r = c.post("/events/filter", json={"filter": {"event": {"name": ["auth.test.emitted"]},
                                                          "resource": {"id": ["auth-test." + name]}}})
            return r.json()["events"] if r.status_code == 200 and r.json()["events"] else None

        wait_for(emitted, 30, "the emitted event")

    denied = subprocess.run([sys.executable, str(script), name + "-x"],
                            env=client_env(auth_server.api_url, None, tmp_path / "h2"),
                            capture_output=True, text=True, timeout=180)
    assert denied.returncode != 0
    assert "401" in denied.stderr, denied.stderr[-3000:]


def test_cli_and_process_worker_with_auth_string(auth_server, tmp_path):
    env = client_env(auth_server.api_url, AUTH, tmp_path / "home")
    pool = f"auth-pool-{uuid.uuid4().hex[:6]}"
    created = prefect(env, "work-pool", "create", pool, "--type", "process")
    assert created.returncode == 0, created.stdout + created.stderr
    listed = prefect(env, "work-pool", "ls")
    assert listed.returncode == 0 and pool in listed.stdout
    no_auth = prefect(client_env(auth_server.api_url, None, tmp_path / "home2"), "work-pool", "ls")
    assert no_auth.returncode != 0 and pool not in no_auth.stdout

    (tmp_path / "flows.py").write_text(textwrap.dedent(
        """
        from prefect import flow

        @flow
        def guarded_work(n: int = 1):
            return n * 2
        """
    ))
    (tmp_path / "deploy.py").write_text(textwrap.dedent(
        f"""
        from prefect import flow
        flow.from_source(source={str(tmp_path)!r}, entrypoint="flows.py:guarded_work").deploy(
            name="auth-worker", work_pool_name={pool!r}, print_next_steps=False)
        """
    ))
    deployed = subprocess.run([sys.executable, str(tmp_path / "deploy.py")], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    started = prefect(env, "deployment", "run", "guarded-work/auth-worker", "--param", "n=21")
    assert started.returncode == 0 and "Created flow run" in started.stdout, started.stdout + started.stderr
    worker = prefect(env, "worker", "start", "--pool", pool, "--type", "process", "--run-once")
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]

    with httpx.Client(base_url=auth_server.api_url, headers=GOOD, timeout=10) as c:
        deployment = c.get("/deployments/name/guarded-work/auth-worker").json()

        def final_run():
            found = c.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment["id"]]}}}).json()
            return found[0] if found and found[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED") else None

        assert wait_for(final_run, 60, "the worker's run to finish")["state_type"] == "COMPLETED"
