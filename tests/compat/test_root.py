"""The routes every client touches first: health, versions, CSRF probe, admin."""

import httpx
from packaging.version import Version

from prefect.client.orchestration import get_client


def test_health_and_versions(api_url):
    assert httpx.get(f"{api_url}/health").json() is True
    assert httpx.get(f"{api_url}/version").json() == "0.8.4"
    server_version = Version(httpx.get(f"{api_url}/admin/version").json())
    import prefect

    # The client warns when the server is older than itself and refuses another major.
    assert server_version.major == 3
    assert server_version >= Version(prefect.__version__)
    assert httpx.get(f"{api_url}/hello").json() == "👋"
    assert httpx.get(f"{api_url}/ready").json() == {"message": "OK"}


def test_csrf_probe_says_disabled(api_url):
    r = httpx.get(f"{api_url}/csrf-token", params={"client": "abc"})
    assert r.status_code == 422
    assert "CSRF protection is disabled." in r.text


def test_client_api_healthcheck_and_version():
    with get_client(sync_client=True) as client:
        assert client.api_healthcheck() is None
        assert Version(client.api_version()) >= Version("0.8.4")


def test_unknown_route_and_bad_api_version(api_url):
    r = httpx.get(f"{api_url}/definitely-not-a-route")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}
    r = httpx.get(f"{api_url}/flows/name/x", headers={"X-PREFECT-API-VERSION": "0.7.0"})
    assert r.status_code == 400
    assert "requires version 0.8.0 or higher" in r.json()["detail"]


# Prefect 3.9.1's EnforceMinimumAPIVersion: each part is read with Python's int(); below
# 0.8.0 or malformed → 400; newer versions (a newer client) pass; /health and /version sit
# outside the checked routers and always answer.
API_VERSION_CASES = [
    ("0.8.4", 200), ("0.8.0", 200), ("0.9.0", 200), ("1.0.0", 200), ("0.8.10000000000", 200), ("+0.8.4", 200),
    ("0.8_0.0", 200), ("0.7.9", 400), ("0.8.-1", 400), ("-1.0.0", 400), ("0.8", 400), ("abc", 400),
    ("0.8.4.1", 400), ("0..4", 400),
]


def test_api_version_header_as_prefect_reads_it(api_url):
    for value, status in API_VERSION_CASES:
        r = httpx.get(f"{api_url}/admin/version", headers={"X-PREFECT-API-VERSION": value})
        assert r.status_code == status, (value, r.text)
        if status == 400:
            detail = r.json()["detail"]
            assert ("requires version 0.8.0 or higher" in detail) or ("Invalid X-PREFECT-API-VERSION" in detail)
        for path in ("/health", "/version"):
            assert httpx.get(f"{api_url}{path}", headers={"X-PREFECT-API-VERSION": value}).status_code == 200


def test_head_answer_has_no_body_and_keeps_the_connection_usable(api_url):
    # Regression: Praetor once sent a body after a HEAD's headers, which the client then read
    # as the start of the next response on the same keep-alive connection.
    with httpx.Client(base_url=api_url, timeout=10) as c:
        for _ in range(3):
            head = c.head("/health")
            assert head.content == b""
            assert c.get("/health").json() is True
