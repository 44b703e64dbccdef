"""Compressed answers, as Prefect's server gives them (Starlette's GZipMiddleware on the API
and the UI, minimum size 500 bytes): a client that accepts gzip gets large JSON answers and UI
assets gzip-encoded, small ones and clients that do not ask get them as they are; the SDK
(httpx, which asks for gzip) reads them unchanged.
"""

from pathlib import Path

import httpx
import prefect
from prefect import flow
from prefect.client.orchestration import get_client

from scenarios import run
from scenarios.automation_events import uid


def _get(url: str, encoding: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Accept-Encoding": encoding}, timeout=30, **kwargs)


# Verifies a large JSON answer is gzip-encoded for a client that accepts it (and decodes to
# the same document), plain for one that does not, and a small answer is never encoded.
def test_large_json_answers_are_gzipped_when_accepted(api_url):
    u = uid()

    async def make_flows():
        async with get_client() as client:
            for i in range(10):
                await client.create_flow_from_name(f"gzip-{u}-{i}")

    run(make_flows())
    body = {"flows": {"name": {"like_": f"gzip-{u}"}}}
    gz = _get(f"{api_url}/flows/filter", "gzip, deflate", "POST", json=body)
    plain = _get(f"{api_url}/flows/filter", "identity", "POST", json=body)
    assert gz.status_code == plain.status_code == 200
    assert gz.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in gz.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert len(plain.content) >= 500
    assert int(gz.headers["content-length"]) < len(plain.content)
    assert gz.json() == plain.json()
    assert len(gz.json()) == 10

    small = _get(f"{api_url}/health", "gzip")
    assert small.status_code == 200
    assert "content-encoding" not in small.headers


# Verifies the SDK works against compressed answers: a flow runs, and its run and logs read
# back through the client (each answer over 500 bytes comes gzip-encoded).
def test_sdk_reads_gzipped_answers(api_url):
    u = uid()

    @flow(name=f"gzip-sdk-{u}")
    def noisy(n: int) -> str:
        from prefect import get_run_logger
        for i in range(n):
            get_run_logger().info("line %s of a log long enough to compress: %s", i, "x" * 80)
        return "done"

    state = noisy(20, return_state=True)
    assert state.is_completed()
    run_id = state.state_details.flow_run_id

    async def read_back():
        async with get_client() as client:
            fr = await client.read_flow_run(run_id)
            from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            return fr, logs

    fr, logs = run(read_back())
    assert fr.name and fr.state.is_completed()
    assert sum("long enough to compress" in log.message for log in logs) == 20
    raw = _get(f"{api_url}/logs/filter", "gzip", "POST",
               json={"logs": {"flow_run_id": {"any_": [str(run_id)]}}})
    assert raw.headers["content-encoding"] == "gzip"


# Verifies the UI's static assets come gzip-encoded to a browser that accepts it.
def test_ui_assets_are_gzipped(dedicated_server):
    srv = dedicated_server({"PREFECT_UI_ENABLED": "true",
                            "PRAETOR_PREFECT_PACKAGE_DIR": str(Path(prefect.__file__).parent)})
    origin = srv.api_url[: -len("/api")]
    index = _get(f"{origin}/", "gzip")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    script = next(p for p in (Path(prefect.__file__).parent / "server" / "ui" / "assets").glob("index-*.js"))
    asset = _get(f"{origin}/assets/{script.name}", "gzip, br")
    plain = _get(f"{origin}/assets/{script.name}", "identity")
    assert asset.status_code == plain.status_code == 200
    assert asset.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    # Prefect streams it chunked (no Content-Length): the bytes on the wire tell the size.
    assert asset.num_bytes_downloaded < len(plain.content) / 2
    assert asset.content == plain.content
