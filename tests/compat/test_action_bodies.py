"""How Prefect's action bodies treat keys they do not declare and explicit nulls, on the
resources the route kit serves. Every assertion holds against Praetor and against Prefect's
own server (PRAETOR_COMPAT_TARGET=prefect).
"""

import uuid

from prefect.client.orchestration import get_client

from scenarios import raw_response, run

INTEGRITY_CONFLICT = (
    "Data integrity conflict. This usually means a unique or foreign key constraint was violated. "
    "See server logs for details."
)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _extra_forbidden(response, key: str, value) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["exception_detail"] == [
        {"type": "extra_forbidden", "loc": ["body", key], "msg": "Extra inputs are not permitted", "input": value}
    ]


# Verifies ConcurrencyLimitV2Create and ConcurrencyLimitV2Update refuse an undeclared key
# (ActionBaseModel's extra="forbid") and write nothing.
def test_v2_concurrency_limit_bodies_forbid_extra_keys(api_url):
    name = _name("gcl-extra")

    async def body():
        async with get_client() as client:
            r = await raw_response(client, "POST", "/v2/concurrency_limits/", json={"name": name, "limit": 1, "bogus": 1})
            _extra_forbidden(r, "bogus", 1)
            assert (await raw_response(client, "GET", f"/v2/concurrency_limits/{name}")).status_code == 404
            created = await raw_response(client, "POST", "/v2/concurrency_limits/", json={"name": name, "limit": 1})
            assert created.status_code == 201
            r = await raw_response(client, "PATCH", f"/v2/concurrency_limits/{name}", json={"limit": 3, "bogus": [1]})
            _extra_forbidden(r, "bogus", [1])
            assert (await raw_response(client, "GET", f"/v2/concurrency_limits/{name}")).json()["limit"] == 1

    run(body())


# Verifies an explicit null for a field the update action declares Optional is written, and
# a NOT NULL column answers Prefect's integrity 409 (the row unchanged): v2 limits (by id and
# by name), work queues (by id and in their pool) and variables; a work queue's null
# concurrency_limit clears it.
def test_null_in_update_bodies(api_url):
    name = _name("null-upd")

    async def body():
        async with get_client() as client:
            limit = (await raw_response(client, "POST", "/v2/concurrency_limits/", json={"name": name, "limit": 2})).json()
            for path, patch in [
                (f"/v2/concurrency_limits/{limit['id']}", {"name": None}),
                (f"/v2/concurrency_limits/{name}", {"limit": None}),
            ]:
                r = await raw_response(client, "PATCH", path, json=patch)
                assert (r.status_code, r.json()) == (409, {"detail": INTEGRITY_CONFLICT}), (path, patch, r.text)
            after = (await raw_response(client, "GET", f"/v2/concurrency_limits/{limit['id']}")).json()
            assert (after["name"], after["limit"]) == (name, 2)

            queue = (await raw_response(client, "POST", "/work_queues/", json={"name": name, "concurrency_limit": 4})).json()
            pool_path = f"/work_pools/{queue['work_pool_name']}/queues/{name}"
            for path, patch in [
                (f"/work_queues/{queue['id']}", {"name": None}),
                (f"/work_queues/{queue['id']}", {"description": None}),
                (pool_path, {"priority": None}),
                (pool_path, {"name": None}),
            ]:
                r = await raw_response(client, "PATCH", path, json=patch)
                assert (r.status_code, r.json()) == (409, {"detail": INTEGRITY_CONFLICT}), (path, patch, r.text)
            r = await raw_response(client, "PATCH", f"/work_queues/{queue['id']}", json={"concurrency_limit": None})
            assert r.status_code == 204
            after = (await raw_response(client, "GET", f"/work_queues/{queue['id']}")).json()
            assert (after["name"], after["description"], after["priority"]) == (name, "", queue["priority"])
            assert after["concurrency_limit"] is None

            variable_name = name.replace("-", "_")
            variable = (await raw_response(client, "POST", "/variables/", json={"name": variable_name, "value": 1})).json()
            r = await raw_response(client, "PATCH", f"/variables/{variable['id']}", json={"name": None})
            assert (r.status_code, r.json()) == (409, {"detail": INTEGRITY_CONFLICT})
            assert (await raw_response(client, "GET", f"/variables/name/{variable_name}")).json()["id"] == variable["id"]

    run(body())
