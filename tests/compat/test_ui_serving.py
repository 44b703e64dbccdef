"""Serving the web UI over plain HTTP, as Prefect 3.9.1's create_ui_app does: the neutral
entry redirected to the preferred UI, /ui-settings, content types, the single-page-app
fallback, a copy of the bundle in the static directory, no way out of it, and the UI off."""

import http.client
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import prefect
import pytest
from conftest import TARGET, Server

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def raw_get(server, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET with the path sent exactly as written (no client-side dot-segment cleanup)."""
    url = urlparse(server.api_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.fixture(scope="module")
def static_root():
    root = Path(tempfile.mkdtemp(prefix="ui-static-"))
    (root / "secret.txt").write_text("not for the browser")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def ui_server(static_root):
    server = Server(TARGET, {
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_UI_STATIC_DIRECTORY": str(static_root / "static"),
        "PRAETOR_PREFECT_PACKAGE_DIR": str(Path(prefect.__file__).parent),
    })
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


def test_ui_settings_and_redirects(ui_server):
    status, _, body = raw_get(ui_server, "/ui-settings")
    assert status == 200
    import json
    doc = json.loads(body)
    assert doc == {"api_url": ui_server.api_url, "csrf_enabled": False, "auth": None, "flags": [],
                   "default_ui": "v2", "available_uis": ["v1", "v2"], "v1_base_url": "/", "v2_base_url": "/v2"}

    status, headers, _ = raw_get(ui_server, "/?x=1", HTML)
    assert (status, headers["location"]) == (307, "/v2/?x=1")
    status, _, body = raw_get(ui_server, "/", {**HTML, "Cookie": "prefect_ui_version=v1"})
    assert status == 200 and b'<div id="app">' in body  # V1's page
    status, headers, _ = raw_get(ui_server, "/v2", HTML)
    assert status == 307 and headers["location"].endswith("/v2/")
    status, headers, body = raw_get(ui_server, "/v2/", HTML)
    assert status == 200 and b'<div id="root">' in body  # V2's page
    assert headers["content-type"] == "text/html; charset=utf-8"


def test_files_fallback_and_the_copy(ui_server, static_root):
    status, _, index = raw_get(ui_server, "/v2/")
    script = index.split(b'<script type="module" crossorigin src="')[1].split(b'"')[0].decode()
    assert script.startswith("/v2/assets/")  # the base path written into the copy
    status, headers, body = raw_get(ui_server, script)
    assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8" and body
    # The copy lives in the static directory; the package keeps its placeholder.
    assert b"/v2/assets/" in (static_root / "static" / "v2" / "index.html").read_bytes()
    package_index = Path(prefect.__file__).parent / "server" / "ui-v2" / "index.html"
    assert b"PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER" in package_index.read_bytes()

    status, _, body = raw_get(ui_server, "/v2/runs/flow-run/anything", HTML)
    assert status == 200 and b'<div id="root">' in body
    status, _, body = raw_get(ui_server, "/v2/assets/missing.js")
    assert status == 404 and body == b'{"detail":"Not Found"}'


@pytest.mark.parametrize("path", ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/%2e%2e/secret.txt",
                                  "/v2/..%2f..%2fsecret.txt", "/assets/..%2f..%2f..%2fsecret.txt",
                                  "/v2/%2e%2e/%2e%2e/%2e%2e/secret.txt"])
def test_no_file_outside_the_bundle(ui_server, path):
    for headers in ({}, HTML):
        status, _, body = raw_get(ui_server, path, headers)
        assert b"not for the browser" not in body
        assert status in (200, 404)  # 200 only as the single-page-app fallback


def test_ui_disabled(dedicated_server):
    server = dedicated_server({"PREFECT_UI_ENABLED": "false",
                               "PRAETOR_PREFECT_PACKAGE_DIR": str(Path(prefect.__file__).parent)})
    status, _, body = raw_get(server, "/", HTML)
    assert status == 404
    status, _, body = raw_get(server, "/ui-settings")
    import json
    doc = json.loads(body)
    assert status == 200 and doc["available_uis"] == [] and doc["v1_base_url"] is None
