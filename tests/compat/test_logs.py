"""Logs: the SDK's create_logs/read_logs, LogFilter by run, level and time, sort, and the
logging handler of a real flow run."""

import os
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import LogCreate
from prefect.client.schemas.filters import (
    LogFilter,
    LogFilterFlowRunId,
    LogFilterLevel,
    LogFilterTaskRunId,
    LogFilterTextSearch,
    LogFilterTimestamp,
)
from prefect.client.schemas.sorting import LogSort

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
BASE = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _logs_for(run_id):
    return [
        LogCreate(name="compat.a", level=10, message="debug line", timestamp=BASE, flow_run_id=run_id),
        LogCreate(name="compat.a", level=20, message="info line", timestamp=BASE + timedelta(seconds=1), flow_run_id=run_id),
        LogCreate(name="compat.b", level=40, message="error line", timestamp=BASE + timedelta(seconds=2), flow_run_id=run_id),
    ]


def test_create_and_read_logs_by_run_level_and_time():
    run_id = uuid.uuid4()
    other_run = uuid.uuid4()
    with get_client(sync_client=True) as client:
        client.create_logs(_logs_for(run_id) + _logs_for(other_run))
        by_run = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
        logs = client.read_logs(log_filter=by_run)
        assert [l.message for l in logs] == ["debug line", "info line", "error line"]
        first = logs[0]
        assert first.flow_run_id == run_id and first.task_run_id is None
        assert first.name == "compat.a" and first.level == 10
        assert first.timestamp == BASE

        logs = client.read_logs(log_filter=LogFilter(flow_run_id=by_run.flow_run_id, level=LogFilterLevel(ge_=20)))
        assert [l.level for l in logs] == [20, 40]
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=by_run.flow_run_id, level=LogFilterLevel(le_=20)))
        assert [l.level for l in logs] == [10, 20]

        window = LogFilterTimestamp(after_=BASE + timedelta(seconds=1), before_=BASE + timedelta(seconds=2))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=by_run.flow_run_id, timestamp=window))
        assert [l.message for l in logs] == ["info line", "error line"]  # both bounds inclusive

        logs = client.read_logs(log_filter=by_run, sort=LogSort.TIMESTAMP_DESC, limit=2, offset=0)
        assert [l.message for l in logs] == ["error line", "info line"]
        logs = client.read_logs(log_filter=by_run, limit=1, offset=2)
        assert [l.message for l in logs] == ["error line"]


# Verifies LogFilter's other leaves through the SDK: level ge_ and le_ together (both
# inclusive), task_run_id any_ (and is_null_, which only the server's model has), the text
# search over message and logger name, and the or_ operator across leaves.
def test_read_logs_by_level_range_task_run_text_and_operator(api_url):
    run_id = uuid.uuid4()
    task_run_id = uuid.uuid4()
    by_run = LogFilterFlowRunId(any_=[run_id])
    with get_client(sync_client=True) as client:
        client.create_logs(
            _logs_for(run_id)
            + [LogCreate(name="compat.task", level=30, message="task line", timestamp=BASE + timedelta(seconds=3),
                         flow_run_id=run_id, task_run_id=task_run_id)]
        )

        def messages(**leaves):
            return [l.message for l in client.read_logs(log_filter=LogFilter(flow_run_id=by_run, **leaves))]

        assert messages(level=LogFilterLevel(ge_=20, le_=30)) == ["info line", "task line"]
        assert messages(level=LogFilterLevel(ge_=25, le_=25)) == []
        assert messages(task_run_id=LogFilterTaskRunId(any_=[task_run_id])) == ["task line"]
        # The SDK's LogFilterTaskRunId has no is_null_ (the server's has): sent as JSON.
        body = {"logs": {"flow_run_id": {"any_": [str(run_id)]}, "task_run_id": {"is_null_": True}}}
        r = httpx.post(f"{api_url}/logs/filter", json=body)
        assert [l["message"] for l in r.json()] == ["debug line", "info line", "error line"]
        assert messages(text=LogFilterTextSearch(query="ERROR compat.task")) == ["error line", "task line"]
        assert messages(text=LogFilterTextSearch(query="line -debug -info")) == ["error line", "task line"]
        either = LogFilter(operator="or_", level=LogFilterLevel(ge_=40), text=LogFilterTextSearch(query="debug"))
        logs = client.read_logs(log_filter=either, sort=LogSort.TIMESTAMP_DESC)  # 2030's logs first
        assert {"debug line", "error line"} <= {l.message for l in logs if l.flow_run_id == run_id}
        assert "info line" not in {l.message for l in logs if l.flow_run_id == run_id}


# Verifies LogFilterLevel's bounds are pydantic ints: a string that is no integer and a
# fractional number are 422s at their own loc.
def test_log_filter_level_errors(api_url):
    r = httpx.post(f"{api_url}/logs/filter", json={"logs": {"level": {"ge_": "x", "le_": 1.5}}})
    assert r.status_code == 422
    detail = r.json()["exception_detail"]
    assert [(e["type"], e["loc"], e["input"]) for e in detail] == [
        ("int_parsing", ["body", "logs", "level", "ge_"], "x"),
        ("int_from_float", ["body", "logs", "level", "le_"], 1.5),
    ]
    r = httpx.post(f"{api_url}/logs/filter", json={"logs": {"level": {"ge_": "20"}}, "limit": 1})
    assert r.status_code == 200


def test_log_response_shape(api_url):
    run_id = str(uuid.uuid4())
    r = httpx.post(
        f"{api_url}/logs/",
        json=[{"name": "n", "level": 20, "message": "m", "timestamp": "2030-01-01T01:00:00.5+01:00", "flow_run_id": run_id}],
    )
    assert r.status_code == 201
    assert r.json() is None
    r = httpx.post(f"{api_url}/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}})
    assert r.status_code == 200
    (log,) = r.json()
    assert set(log) == {"id", "created", "updated", "name", "level", "message", "timestamp", "flow_run_id", "task_run_id"}
    assert log["timestamp"] == "2030-01-01T00:00:00.500000Z"
    assert log["task_run_id"] is None
    assert httpx.post(f"{api_url}/logs/", json=[]).status_code == 201


def test_log_validation_errors(api_url):
    r = httpx.post(f"{api_url}/logs/", json=[{"name": "n", "level": "x", "message": "m"}, {"name": 1}])
    assert r.status_code == 422
    locs = [(e["loc"], e["type"]) for e in r.json()["exception_detail"]]
    assert (["body", 0, "timestamp"], "missing") in locs
    assert (["body", 1, "name"], "string_type") in locs
    assert (["body", 1, "message"], "missing") in locs
    assert any(loc == ["body", 0, "level"] for loc, _ in locs)
    r = httpx.post(f"{api_url}/logs/", json={"name": "n"})
    assert r.status_code == 422
    assert r.json()["exception_detail"][0]["loc"] == ["body"]
    r = httpx.post(f"{api_url}/logs/filter", json={"sort": "NEWEST"})
    assert r.status_code == 422
    assert r.json()["exception_detail"][0]["msg"] == "Input should be 'TIMESTAMP_ASC' or 'TIMESTAMP_DESC'"
    r = httpx.post(f"{api_url}/logs/filter", json={"limit": 201})
    assert r.status_code == 422
    assert r.json() == {"detail": "Invalid limit: must be less than or equal to 200."}


def test_flow_run_logger_reaches_the_api(api_url):
    from prefect import flow, get_run_logger
    from prefect.logging.handlers import APILogHandler

    marker = f"compat-log-{uuid.uuid4().hex}"

    @flow
    def logs_something():
        get_run_logger().warning(marker)
        from prefect.runtime import flow_run

        return flow_run.id

    run_id = logs_something()
    APILogHandler().flush()  # drains the background log worker
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[uuid.UUID(str(run_id))]), level=LogFilterLevel(ge_=30))
        )
    assert any(marker in l.message and l.level == 30 for l in logs)


# Verifies GET /flow_runs/{id}/logs/download answers the run's logs as Prefect's CSV (header,
# CRLF rows, minimal quoting, Python datetimes, oldest first) and 404 for an unknown run.
def test_flow_run_logs_download(api_url):
    import csv
    import io

    from prefect import flow

    @flow(name=f"download-{uuid.uuid4().hex[:6]}")
    def placeholder():
        return None

    with get_client(sync_client=True) as client:
        run = client.create_flow_run(placeholder)
        task_run_id = uuid.uuid4()
        client.create_logs([
            LogCreate(name="n", level=20, message='hello, "world"\nsecond line', timestamp=BASE, flow_run_id=run.id),
            LogCreate(name="n", level=40, message="plain", timestamp=BASE + timedelta(microseconds=250),
                      flow_run_id=run.id, task_run_id=task_run_id),
        ])
    r = httpx.get(f"{api_url}/flow_runs/{run.id}/logs/download")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].endswith("-logs.csv") and run.name in r.headers["content-disposition"]
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["timestamp", "level", "flow_run_id", "task_run_id", "message"])
    writer.writerow([BASE, 20, run.id, None, 'hello, "world"\nsecond line'])
    writer.writerow([BASE + timedelta(microseconds=250), 40, run.id, task_run_id, "plain"])
    assert r.text == expected.getvalue()
    missing = httpx.get(f"{api_url}/flow_runs/{uuid.uuid4()}/logs/download")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Flow run not found"})
