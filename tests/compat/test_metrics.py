"""Prometheus metrics at /api/metrics under Prefect's settings (PREFECT_SERVER_METRICS_ENABLED,
legacy PREFECT_API_ENABLE_METRICS; off by default: the path is then an ordinary 404), and a
real Prometheus (Debian's `prometheus`, on loopback) scraping a Praetor that served a flow
run of the unmodified SDK, queried through Prometheus's HTTP API."""

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import DB, TARGET
from local_servers import free_port, stop_process


# Verifies metrics are off by default: /api/metrics answers Prefect's plain 404.
def test_metrics_are_off_by_default(http):
    r = http.get("/metrics")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


# Verifies each of Prefect's setting names turns the metrics on: a Prometheus text
# exposition that Prometheus's own parser reads. ("false" and invalid values: the settings'
# unit tests.)
@pytest.mark.parametrize("setting", ["PREFECT_SERVER_METRICS_ENABLED", "PREFECT_API_ENABLE_METRICS"])
def test_prefect_settings_toggle_metrics(dedicated_server, setting):
    on = dedicated_server({setting: "true"})
    r = httpx.get(on.api_url + "/metrics", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(r.text))
    assert families, r.text
    assert all(f.type in {"counter", "gauge", "histogram", "summary", "info", "unknown"} for f in families)


PROBE_FLOW = """
from prefect import flow, task

@task
def double(x):
    return 2 * x

@flow(name="metrics-probe")
def metrics_probe():
    return double(21)

assert metrics_probe() == 42
"""


def _query(prometheus_url: str, promql: str) -> list[dict]:
    r = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": promql}, timeout=10)
    r.raise_for_status()
    body = r.json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def _wait_until_ready(prometheus_url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Prometheus answers 503 until its storage is open: wait for /-/ready."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "prometheus exited"
        try:
            if httpx.get(f"{prometheus_url}/-/ready", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"prometheus not ready within {timeout} s"
        time.sleep(0.2)


def _wait_for_value(prometheus_url: str, promql: str, proc: subprocess.Popen, timeout: float = 60) -> float:
    """The query's single value once Prometheus has scraped one."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "prometheus exited"
        result = _query(prometheus_url, promql)
        if result:
            assert len(result) == 1, result
            return float(result[0]["value"][1])
        assert time.monotonic() < deadline, f"no sample for {promql} within {timeout} s"
        time.sleep(0.5)


# Verifies the metrics end to end: a flow run with a task through the SDK against a Praetor
# with metrics on, then a real Prometheus scraping it every second; its query API must show
# the requests by route template (the SDK's set_state calls, never a raw id), the flow run
# counted as COMPLETED, group commits or commits timed, and the scrape target up.
@pytest.mark.skipif(TARGET == "prefect", reason="target-specific: the praetor_* series are Praetor's own metrics")
def test_prometheus_scrapes_and_answers_queries(dedicated_server, tmp_path):
    srv = dedicated_server({"PREFECT_SERVER_METRICS_ENABLED": "true"})
    env = dict(os.environ, PREFECT_API_URL=srv.api_url)
    subprocess.run([sys.executable, "-c", PROBE_FLOW], env=env, check=True, timeout=180)

    prometheus_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: praetor\n    metrics_path: /api/metrics\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{srv.port}']\n")
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prometheus_port}"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{prometheus_port}"
    try:
        _wait_until_ready(url, proc)
        assert _wait_for_value(url, 'up{job="praetor"}', proc) == 1
        set_state = _wait_for_value(
            url, 'sum by (route) (praetor_http_requests_total{route="/api/flow_runs/{id}/set_state"})', proc)
        assert set_state >= 2  # Running, then Completed
        routes = {s["metric"]["route"] for s in _query(url, "sum by (route) (praetor_http_requests_total)")}
        assert "/api/flows" in routes and "/api/flow_runs/{id}" in routes, routes
        assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", r) for r in routes), routes  # templates, not paths
        assert _wait_for_value(url, 'praetor_flow_runs{state_type="COMPLETED"}', proc) >= 1
        assert _wait_for_value(url, 'praetor_task_runs{state_type="COMPLETED"}', proc) >= 1
        assert _wait_for_value(url, "praetor_store_commit_duration_seconds_count", proc) > 0
        assert _wait_for_value(url, 'sum(praetor_http_request_duration_seconds_count{route="/api/flows"})', proc) >= 1
        assert _wait_for_value(url, 'praetor_events_received_total{origin="local"}', proc) > 0  # the run's events
        # The SDK sent its events over /api/events/in and closed the socket again.
        assert _wait_for_value(url, 'praetor_websocket_connections{route="/api/events/in"}', proc) == 0
        assert _wait_for_value(url, "count(praetor_service_pass_duration_seconds_count)", proc) >= 1
        if DB == "postgres":
            assert _wait_for_value(url, "praetor_database_pool_max_connections", proc) == 15  # 5 + overflow 10
            assert _wait_for_value(url, "sum(praetor_database_pool_connections)", proc) >= 1
        else:
            assert _wait_for_value(url, "praetor_store_group_commit_size_count", proc) > 0
            assert _wait_for_value(url, "praetor_store_wal_sync_duration_seconds_count", proc) > 0
        assert _wait_for_value(url, "process_resident_memory_bytes", proc) > 0
        # The scrapes themselves are requests too, counted under the metrics route.
        assert _wait_for_value(url, 'sum(praetor_http_requests_total{route="/api/metrics",status="200"})', proc) >= 1
    finally:
        stop_process(proc)
        log.close()
