"""Prefect's name rules (prefect/types/names.py): flows, work queues and concurrency limits
take a `Name` (non-empty, none of / % & > <), work pools a `NonEmptyishName` (also not only
spaces and quotes); anything else is Prefect's 422, and nothing is created."""

import uuid

import httpx

PATTERN = "^[^/%&><]+$"


def _pattern_error(value: str, body: dict) -> dict:
    return {"exception_message": "Invalid request received.",
            "exception_detail": [{"type": "string_pattern_mismatch", "loc": ["body", "name"],
                                  "msg": f"String should match pattern '{PATTERN}'", "input": value,
                                  "ctx": {"pattern": PATTERN}}],
            "request_body": body}


def test_flow_names(api_url):
    with httpx.Client(base_url=api_url, timeout=10) as c:
        for bad in ("a/b", "<x>", "", "50%", "a&b", "x>y"):
            r = c.post("/flows/", json={"name": bad})
            assert r.status_code == 422 and r.json() == _pattern_error(bad, {"name": bad}), (bad, r.text)
        assert c.post("/flows/filter", json={"flows": {"name": {"any_": ["a/b", "<x>", ""]}}}).json() == []
        odd = f"  spaced {uuid.uuid4().hex[:6]} name  "
        assert c.post("/flows/", json={"name": odd}).status_code == 201


def test_work_pool_queue_and_limit_names(api_url):
    with httpx.Client(base_url=api_url, timeout=10) as c:
        for emptyish in ("", "  ", "'\"'"):
            r = c.post("/work_pools/", json={"name": emptyish, "type": "process"})
            assert r.status_code == 422, r.text
            assert r.json()["exception_detail"] == [{"type": "value_error", "loc": ["body", "name"],
                                                     "msg": "Value error, name cannot be an empty string",
                                                     "input": emptyish, "ctx": {"error": {}}}]
        body = {"name": "pool/x", "type": "process"}
        assert c.post("/work_pools/", json=body).json() == _pattern_error("pool/x", body)

        pool = f"names-{uuid.uuid4().hex[:6]}"
        assert c.post("/work_pools/", json={"name": pool, "type": "process"}).status_code == 201
        for bad in ("", "q/1", "<q>"):
            r = c.post(f"/work_pools/{pool}/queues", json={"name": bad})
            assert r.status_code == 422 and r.json() == _pattern_error(bad, {"name": bad}), (bad, r.text)
            legacy = c.post("/work_queues/", json={"name": bad})
            assert legacy.status_code == 422 and legacy.json() == _pattern_error(bad, {"name": bad}), legacy.text
        queues = c.post(f"/work_pools/{pool}/queues/filter", json={}).json()
        assert [q["name"] for q in queues] == ["default"]

        for bad in ("", "tag:a/b"):
            limit = {"name": bad, "limit": 1}
            r = c.post("/v2/concurrency_limits/", json=limit)
            assert r.status_code == 422 and r.json() == _pattern_error(bad, limit), (bad, r.text)
