"""Bad input and outages stay bounded (issue 14 items 9, 11, 12): inputs that PostgreSQL once
answered with 500 get the same answer on both backends, a 422 echoes at most a prefix of a
large invalid body, and a database outage does not write a log line per failed request."""

import time

import httpx
import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def api(request, praetor_factory):
    env = {}
    if request.param == "postgres":
        db = request.getfixturevalue("postgres_db")
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = db.url
    p = praetor_factory(env=env).start()
    with httpx.Client(base_url=p.api_url, timeout=30) as client:
        yield client
    p.terminate()


# 1e308 overflows a product with the seconds elapsed, 5e-324 (the least double) a quotient
# and underflows a product: PostgreSQL raises an error on each, which once made every read of
# every limit answer 500.
@pytest.mark.parametrize("decay", [1e308, 5e-324, 1e-300])
def test_extreme_slot_decay_keeps_the_limit_readable(api, decay):
    created = api.post("/v2/concurrency_limits/", json={"name": "fast-decay", "limit": 3,
                                                         "slot_decay_per_second": decay})
    assert created.status_code == 201, created.text
    taken = api.post("/v2/concurrency_limits/increment", json={"names": ["fast-decay"], "slots": 2, "mode": "rate_limit"})
    assert taken.status_code == 200, taken.text
    read = api.get(f"/v2/concurrency_limits/{created.json()['id']}")
    assert read.status_code == 200, read.text
    assert read.json()["slot_decay_per_second"] == decay
    time.sleep(0.01)
    taken_again = api.post("/v2/concurrency_limits/increment", json={"names": ["fast-decay"], "slots": 1})
    assert taken_again.status_code == 200, taken_again.text
    listed = api.post("/v2/concurrency_limits/filter", json={})
    assert listed.status_code == 200, listed.text
    assert [l["name"] for l in listed.json()] == ["fast-decay"]


def test_nul_in_a_name_or_filter_string_is_a_422_and_loses_nothing(api):
    assert api.post("/flows/", json={"name": "x"}).status_code == 201
    refused = api.post("/flows/", json={"name": "x\u0000y"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["exception_detail"][0]["loc"] == ["body", "name"]
    assert "NUL" in refused.json()["exception_detail"][0]["msg"]
    filtered = api.post("/flows/filter", json={"flows": {"name": {"any_": ["x\u0000"]}}})
    assert filtered.status_code == 422, filtered.text
    assert [f["name"] for f in api.post("/flows/filter", json={}).json()] == ["x"]


def test_large_work_queue_priority_is_stored(api):
    pool = api.post("/work_pools/", json={"name": "pool", "type": "process"})
    assert pool.status_code == 201, pool.text
    queue = api.post("/work_pools/pool/queues", json={"name": "far", "priority": 470936837337})
    assert queue.status_code == 201, queue.text
    assert api.get("/work_pools/pool/queues/far").json()["priority"] == 470936837337


def test_a_422_echoes_a_prefix_of_a_large_body(api):
    filler = "z" * (8 * 1024 * 1024)
    answer = api.post("/flows/", json={"name": ["not", "a", "string", filler]})
    assert answer.status_code == 422
    assert len(answer.content) < 64 * 1024, len(answer.content)
    body = answer.json()
    assert body["exception_detail"][0]["loc"] == ["body", "name"]
    assert body["request_body"].startswith('{"name"')
    assert f"{len(answer.request.content)} bytes" in body["request_body"]
    small = api.post("/flows/", json={"name": 5})
    assert small.json()["request_body"] == {"name": 5}  # small bodies are echoed whole, as Prefect does


def test_a_postgresql_outage_writes_a_few_lines_not_one_per_request(praetor_factory, postgres_db):
    p = praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres_db.url}).start()
    api = httpx.Client(base_url=p.api_url, timeout=30)
    assert api.post("/flows/", json={"name": "before"}).status_code == 201
    # The outage: this database refuses connections and loses the ones it had (run from the
    # cluster's own database, since this one no longer lets anyone in).
    name = postgres_db.name
    postgres_db.run_on_cluster(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    postgres_db.run_on_cluster(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        before = len(p.log_text().splitlines())
        failures = 0
        for i in range(200):
            r = api.post("/flows/", json={"name": f"during-{i}"})
            failures += r.status_code >= 500
        assert failures == 200
        lines = p.log_text().splitlines()[before:]
        # Entries start with their timestamp (libpq messages continue on indented lines). The
        # services each note their lost lease once; the 200 failed requests add a few lines.
        entries = [line for line in lines if line[:1].isdigit()]
        assert len(entries) <= 30, "\n".join(lines[:60])
    finally:
        postgres_db.run_on_cluster(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if api.post("/flows/", json={"name": "after"}).status_code == 201:
            break
        time.sleep(0.2)
    names = {f["name"] for f in api.post("/flows/filter", json={}).json()}
    assert {"before", "after"} <= names
    p.terminate()
