"""CORS as Prefect 3.9.1 configures Starlette's CORSMiddleware
(PREFECT_SERVER_CORS_ALLOWED_ORIGINS/METHODS/HEADERS, each "*" by default): preflights are
answered, simple responses carry Access-Control-Allow-Origin for allowed origins."""

import shutil

import httpx
import pytest

from conftest import TARGET, Server

ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"


def _vary(r: httpx.Response) -> list[str]:
    return [v.strip() for v in r.headers.get("vary", "").split(",") if v.strip()]


def test_default_cors_allows_everything(api_url):
    with httpx.Client(base_url=api_url, timeout=10) as c:
        pre = c.options("/flows/filter", headers={"Origin": "http://ui.example",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type, x-prefect-api-version"})
        assert pre.status_code == 200 and pre.text == "OK"
        assert pre.headers["access-control-allow-origin"] == "*"
        assert pre.headers["access-control-allow-methods"] == ALL_METHODS
        assert pre.headers["access-control-allow-headers"] == "content-type, x-prefect-api-version"
        assert pre.headers["access-control-max-age"] == "600"
        assert pre.headers["content-type"] == "text/plain; charset=utf-8"
        assert _vary(pre) == ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers",
                              "Access-Control-Request-Private-Network"]
        private = c.options("/flows/filter", headers={"Origin": "http://ui.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Private-Network": "true"})
        assert private.status_code == 400 and private.text == "Disallowed CORS private-network"

        simple = c.get("/health", headers={"Origin": "http://ui.example"})
        assert simple.status_code == 200 and simple.headers["access-control-allow-origin"] == "*"
        assert "Origin" in _vary(simple)
        same_origin = c.get("/health")
        assert "access-control-allow-origin" not in same_origin.headers and "Origin" in _vary(same_origin)
        # Errors carry the headers too (the middleware wraps every answer).
        missing = c.get("/flows/name/no-such-flow-cors", headers={"Origin": "http://ui.example"})
        assert missing.status_code == 404 and missing.headers["access-control-allow-origin"] == "*"
        # OPTIONS that is not a preflight goes to the routes, which have no OPTIONS.
        not_preflight = c.options("/flows/filter", headers={"Origin": "http://ui.example"})
        assert not_preflight.status_code == 405
        assert not_preflight.headers["access-control-allow-origin"] == "*"


@pytest.fixture(scope="module")
def restricted_server():
    srv = Server(TARGET, {"PREFECT_SERVER_CORS_ALLOWED_ORIGINS": "http://ui.example,http://other.example",
                          "PREFECT_SERVER_CORS_ALLOWED_METHODS": "GET,POST",
                          "PREFECT_SERVER_CORS_ALLOWED_HEADERS": "x-prefect-api-version"})
    yield srv
    srv.stop()
    shutil.rmtree(srv.workdir, ignore_errors=True)


def test_restricted_cors_settings(restricted_server):
    with httpx.Client(base_url=restricted_server.api_url, timeout=10) as c:
        ok = c.options("/flows/filter", headers={"Origin": "http://other.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "X-Prefect-Api-Version"})
        assert ok.status_code == 200 and ok.text == "OK"
        assert ok.headers["access-control-allow-origin"] == "http://other.example"
        assert ok.headers["access-control-allow-methods"] == "GET, POST"
        assert ok.headers["access-control-allow-headers"] == (
            "Accept, Accept-Language, Content-Language, Content-Type, x-prefect-api-version")

        bad = c.options("/flows/filter", headers={"Origin": "http://evil.example",
                                                  "Access-Control-Request-Method": "DELETE",
                                                  "Access-Control-Request-Headers": "x-evil"})
        assert bad.status_code == 400 and bad.text == "Disallowed CORS origin, method, headers"
        assert "access-control-allow-origin" not in bad.headers
        lowercase_method = c.options("/flows/filter", headers={"Origin": "http://ui.example",
                                                               "Access-Control-Request-Method": "post"})
        assert lowercase_method.status_code == 400 and lowercase_method.text == "Disallowed CORS method"

        allowed = c.get("/health", headers={"Origin": "http://ui.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://ui.example"
        assert "Origin" in _vary(allowed)
        refused = c.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in refused.headers
        # The server still answers: CORS is for browsers to enforce.
        assert refused.status_code == 200
