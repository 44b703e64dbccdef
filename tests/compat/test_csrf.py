"""CSRF protection as Prefect 3.9.1 implements it (PREFECT_SERVER_CSRF_PROTECTION_ENABLED,
PREFECT_SERVER_CSRF_TOKEN_EXPIRATION): state-changing requests need the Prefect-Csrf-Token
and Prefect-Csrf-Client headers of a token from GET /csrf-token; the SDK and CLI fetch
tokens by themselves. Also what a cross-site form or text/plain POST gets."""

import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from conftest import TARGET, Server

EXPIRATION_SECONDS = 4


@pytest.fixture(scope="module")
def csrf_server():
    srv = Server(TARGET, {"PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
                          "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION": f"PT{EXPIRATION_SECONDS}S"})
    yield srv
    srv.stop()
    shutil.rmtree(srv.workdir, ignore_errors=True)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_state_changing_requests_need_a_token(csrf_server):
    with httpx.Client(base_url=csrf_server.api_url, timeout=10) as c:
        missing = c.post("/flows/", json={"name": "csrf-flow"})
        assert missing.status_code == 403 and missing.json() == {"detail": "Missing CSRF token."}
        assert "access-control-allow-origin" not in missing.headers
        no_client = c.post("/flows/", json={"name": "csrf-flow"}, headers={"Prefect-Csrf-Token": "x"})
        assert no_client.status_code == 403 and no_client.json() == {"detail": "Missing client identifier."}
        for method in ("PATCH", "DELETE", "PUT"):
            assert c.request(method, f"/flows/{uuid.uuid4()}").json() == {"detail": "Missing CSRF token."}
        # Reads need no token.
        assert c.get("/flows/name/csrf-flow").status_code == 404
        assert c.get("/health").status_code == 200

        before = datetime.now(timezone.utc)
        issued = c.get("/csrf-token", params={"client": "browser-1"})
        assert issued.status_code == 200, issued.text
        token = issued.json()
        assert set(token) >= {"id", "created", "updated", "token", "client", "expiration"}
        assert token["client"] == "browser-1" and len(token["token"]) == 64
        int(token["token"], 16)
        lifetime = _parse(token["expiration"]) - before
        assert timedelta(seconds=EXPIRATION_SECONDS - 2) < lifetime < timedelta(seconds=EXPIRATION_SECONDS + 2)

        good = {"Prefect-Csrf-Token": token["token"], "Prefect-Csrf-Client": "browser-1"}
        created = c.post("/flows/", json={"name": "csrf-flow"}, headers=good)
        assert created.status_code == 201, created.text

        wrong = c.post("/flows/", json={"name": "csrf-flow"},
                       headers={**good, "Prefect-Csrf-Token": "0" * 64})
        assert wrong.status_code == 403 and wrong.json() == {"detail": "Invalid CSRF token or client identifier."}
        assert wrong.headers["access-control-allow-origin"] == "*"
        other_client = c.post("/flows/", json={"name": "csrf-flow"}, headers={**good, "Prefect-Csrf-Client": "b2"})
        assert other_client.status_code == 403

        # A new token for the same client replaces the old one.
        renewed = c.get("/csrf-token", params={"client": "browser-1"}).json()
        assert renewed["token"] != token["token"]
        assert c.post("/flows/", json={"name": "csrf-flow"}, headers=good).status_code == 403
        fresh = {"Prefect-Csrf-Token": renewed["token"], "Prefect-Csrf-Client": "browser-1"}
        assert c.post("/flows/", json={"name": "csrf-flow"}, headers=fresh).status_code == 200

        # An expired token is refused.
        time.sleep(EXPIRATION_SECONDS + 1)
        expired = c.post("/flows/", json={"name": "csrf-flow"}, headers=fresh)
        assert expired.status_code == 403 and expired.json() == {"detail": "Invalid CSRF token or client identifier."}

        no_param = c.get("/csrf-token")
        assert no_param.status_code == 422
        assert no_param.json()["exception_detail"] == [
            {"type": "missing", "loc": ["query", "client"], "msg": "Field required", "input": None}]


FLOW_SCRIPT = textwrap.dedent(
    """
    import sys
    from prefect import flow, task

    @task
    def inc(x):
        return x + 1

    @flow(name=sys.argv[1])
    def protected():
        return inc(inc(1))

    assert protected() == 3
    """
)


def test_sdk_and_cli_fetch_tokens_by_themselves(csrf_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=csrf_server.api_url, PREFECT_HOME=str(tmp_path / "home"), DO_NOT_TRACK="1",
               COLUMNS="250")
    script = tmp_path / "protected.py"
    script.write_text(FLOW_SCRIPT)
    name = f"protected-{uuid.uuid4().hex[:6]}"
    ran = subprocess.run([sys.executable, str(script), name], env=env, capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stderr[-3000:]
    exe = str(Path(sys.executable).parent / "prefect")
    pool = f"csrf-pool-{uuid.uuid4().hex[:6]}"
    made = subprocess.run([exe, "work-pool", "create", pool, "--type", "process"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    with httpx.Client(base_url=csrf_server.api_url, timeout=10) as c:
        runs = c.post("/flow_runs/filter", json={"flows": {"name": {"any_": [name]}}},
                      headers=_token_headers(c)).json()
        assert len(runs) == 1 and runs[0]["state_type"] == "COMPLETED", runs
        assert c.get(f"/work_pools/{pool}").status_code == 200


def _token_headers(c: httpx.Client) -> dict[str, str]:
    client = uuid.uuid4().hex
    token = c.get("/csrf-token", params={"client": client}).json()["token"]
    return {"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client}


def test_csrf_token_route_needs_a_client_even_when_disabled(api_url):
    with httpx.Client(base_url=api_url, timeout=10) as c:
        no_param = c.get("/csrf-token")
        assert no_param.status_code == 422 and no_param.json()["exception_detail"][0]["loc"] == ["query", "client"]


def test_body_not_declared_json_is_not_read_as_json(api_url):
    """A browser can send a cross-site POST without a preflight only as a form or text/plain:
    FastAPI reads a body as JSON only under a JSON Content-Type, so a route whose body is a
    model answers 422 with the body echoed as text, and nothing is created."""
    name = f"cross-site-{uuid.uuid4().hex[:6]}"
    body = '{"name": "%s"}' % name
    with httpx.Client(base_url=api_url, timeout=10) as c:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"):
            r = c.post("/flows/", content=body, headers={"Content-Type": content_type})
            assert r.status_code == 422, (content_type, r.text)
            assert r.json() == {
                "exception_message": "Invalid request received.",
                "exception_detail": [{"type": "model_attributes_type", "loc": ["body"],
                                      "msg": "Input should be a valid dictionary or object to extract fields from",
                                      "input": body}],
                "request_body": body,
            }
        assert c.get(f"/flows/name/{name}").status_code == 404
        # JSON under application/json, application/*+json, or no Content-Type at all.
        for i, content_type in enumerate(("application/json", "application/vnd.test+json; charset=utf-8", None)):
            headers = {"Content-Type": content_type} if content_type else {}
            r = c.post("/flows/", content=body.replace(name, f"{name}-{i}"), headers=headers)
            assert r.status_code == 201, (content_type, r.text)


def test_text_plain_bulk_delete(dedicated_server):
    """/flows/bulk_delete's body is optional fields only. Prefect ignores a text/plain body
    there and runs the route with no filter (deleting every flow); Praetor refuses it with
    the same 422 as a model-body route, so a cross-site request deletes nothing."""
    name = f"survivor-{uuid.uuid4().hex[:6]}"
    srv = dedicated_server({})  # on Prefect this deletes every flow: not on the shared server
    with httpx.Client(base_url=srv.api_url, timeout=10) as c:
        flow_id = c.post("/flows/", json={"name": name}).json()["id"]
        r = c.post("/flows/bulk_delete", content="{}", headers={"Content-Type": "text/plain"})
        if TARGET == "prefect":
            assert r.status_code == 200 and flow_id in r.json()["deleted"], r.text
            assert c.get(f"/flows/{flow_id}").status_code == 404
        else:
            assert r.status_code == 422 and r.json()["request_body"] == "{}", r.text
            assert c.get(f"/flows/{flow_id}").status_code == 200
