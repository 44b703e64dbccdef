"""Tag concurrency limits (`/concurrency_limits/*`, `prefect concurrency-limit ...`) as Prefect
3.9.1 serves them over global limits named "tag:<tag>": the CLI's create/inspect/ls/reset/delete,
the v1 slot routes, tagged tasks held to the limit (measured from the tasks' own start and end
times), and the slot of a killed process given back when its lease expires."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from prefect.client.orchestration import get_client

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")
# Prefect's task engine holds tag slots under 60-second leases (lease_duration=60), renewed
# while the task runs; the repossessor gives back an expired lease's slots on its next pass.
TASK_LEASE_SECONDS = 60


def _tag(prefix="tag"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _cli_json(prefect_cli, *args):
    out = prefect_cli(*args, "-o", "json").stdout
    return json.loads(out)


def test_cli_create_inspect_ls_reset_delete(prefect_cli, http):
    tag = _tag()
    created = prefect_cli("concurrency-limit", "create", tag, "3")
    assert tag in created.stdout
    limit = _cli_json(prefect_cli, "concurrency-limit", "inspect", tag)
    assert limit["tag"] == tag and limit["concurrency_limit"] == 3 and limit["active_slots"] == []
    # The tag limit is the global limit "tag:<tag>".
    v2 = http.get(f"/v2/concurrency_limits/tag:{tag}")
    assert v2.status_code == 200 and v2.json()["id"] == limit["id"] and v2.json()["limit"] == 3

    # Creating again updates the limit in place (200, same id).
    prefect_cli("concurrency-limit", "create", tag, "2")
    assert _cli_json(prefect_cli, "concurrency-limit", "inspect", tag)["concurrency_limit"] == 2
    listed = _cli_json(prefect_cli, "concurrency-limit", "ls", "--limit", "200")
    assert [l["id"] for l in listed if l["tag"] == tag] == [limit["id"]]

    # A slot taken through the v1 route shows as the task run's id; reset clears it.
    task_run_id = str(uuid.uuid4())
    taken = http.post("/concurrency_limits/increment", json={"names": [tag], "task_run_id": task_run_id})
    assert taken.status_code == 200, taken.text
    assert taken.json() == [{"id": limit["id"], "name": tag, "limit": 2}]
    assert _cli_json(prefect_cli, "concurrency-limit", "inspect", tag)["active_slots"] == [task_run_id]
    table = prefect_cli("concurrency-limit", "inspect", tag).stdout
    assert task_run_id in table
    reset = prefect_cli("concurrency-limit", "reset", tag)
    assert f"Reset concurrency limit set on the tag: {tag}" in reset.stdout
    assert _cli_json(prefect_cli, "concurrency-limit", "inspect", tag)["active_slots"] == []

    deleted = prefect_cli("concurrency-limit", "delete", tag)
    assert f"Deleted concurrency limit set on the tag: {tag}" in deleted.stdout
    missing = prefect_cli("concurrency-limit", "inspect", tag, check=False)
    assert missing.returncode == 1 and f"No concurrency limit found for the tag: {tag}" in missing.stdout
    assert http.get(f"/v2/concurrency_limits/tag:{tag}").status_code == 404
    for args in (("reset", tag), ("delete", tag)):
        refused = prefect_cli("concurrency-limit", *args, check=False)
        assert refused.returncode == 1 and "No concurrency limit found" in refused.stdout


def test_routes_answer_as_prefect(http):
    tag = _tag()
    first = http.post("/concurrency_limits/", json={"tag": tag, "concurrency_limit": 1})
    assert first.status_code == 201, first.text
    body = first.json()
    assert list(body) == ["id", "created", "updated", "tag", "concurrency_limit", "active_slots"]
    assert body["tag"] == tag and body["concurrency_limit"] == 1 and body["active_slots"] == []
    again = http.post("/concurrency_limits/", json={"tag": tag, "concurrency_limit": 1})
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    by_id = http.get(f"/concurrency_limits/{body['id']}")
    assert by_id.status_code == 200 and by_id.json()["tag"] == tag
    assert http.get(f"/concurrency_limits/tag/{tag}").json()["id"] == body["id"]
    assert http.get(f"/concurrency_limits/{uuid.uuid4()}").json() == {"detail": "Concurrency limit not found"}
    assert http.get("/concurrency_limits/tag/no-such-tag").status_code == 404

    # A global limit without the "tag:" prefix is not a tag limit.
    other = f"gcl-{uuid.uuid4().hex[:8]}"
    other_id = http.post("/v2/concurrency_limits/", json={"name": other, "limit": 1}).json()["id"]
    assert http.get(f"/concurrency_limits/{other_id}").status_code == 404
    listed = http.post("/concurrency_limits/filter", json={"limit": 200}).json()
    assert tag in [l["tag"] for l in listed] and other not in [l["tag"] for l in listed]

    missing = http.post("/concurrency_limits/", json={"tag": tag})
    assert missing.status_code == 422
    assert [(e["type"], e["loc"]) for e in missing.json()["exception_detail"]] == [
        ("missing", ["body", "concurrency_limit"])]

    # Slots: the first run takes the only one, the second is refused with Retry-After.
    holder, waiting = str(uuid.uuid4()), str(uuid.uuid4())
    assert http.post("/concurrency_limits/increment", json={"names": [tag], "task_run_id": holder}).status_code == 200
    full = http.post("/concurrency_limits/increment", json={"names": [tag], "task_run_id": waiting})
    assert full.status_code == 423
    assert full.json() == {"detail": f"Concurrency limit for the {tag} tag has been reached"}
    assert float(full.headers["retry-after"]) == 10.0  # PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS
    assert http.get(f"/concurrency_limits/tag/{tag}").json()["active_slots"] == [holder]
    # A run that holds nothing releases nothing; the holder's release answers the limit by
    # its global name.
    http.post("/concurrency_limits/decrement", json={"names": [tag], "task_run_id": waiting})
    assert http.get(f"/concurrency_limits/tag/{tag}").json()["active_slots"] == [holder]
    released = http.post("/concurrency_limits/decrement", json={"names": [tag], "task_run_id": holder})
    assert released.json() == [{"id": body["id"], "name": f"tag:{tag}", "limit": 1}]
    assert http.get(f"/v2/concurrency_limits/tag:{tag}").json()["active_slots"] == 0
    assert http.post("/concurrency_limits/increment",
                     json={"names": [tag, "untagged-" + tag], "task_run_id": waiting}).status_code == 200
    http.post("/concurrency_limits/decrement", json={"names": [tag], "task_run_id": waiting})

    # A limit of 0 would deadlock: refused without Retry-After.
    zero = _tag("zero")
    http.post("/concurrency_limits/", json={"tag": zero, "concurrency_limit": 0})
    refused = http.post("/concurrency_limits/increment", json={"names": [zero], "task_run_id": holder})
    assert refused.status_code == 423 and "retry-after" not in refused.headers
    assert refused.json()["detail"] == (f'The concurrency limit on tag "{zero}" is 0 and will deadlock '
                                        "if the task tries to run again.")

    # reset with slot_override hands the slots to the listed runs.
    chosen = str(uuid.uuid4())
    reset = http.post(f"/concurrency_limits/tag/{tag}/reset", json={"slot_override": [chosen]})
    assert reset.status_code == 200 and reset.json() is None
    assert http.get(f"/concurrency_limits/tag/{tag}").json()["active_slots"] == [chosen]

    assert http.delete(f"/concurrency_limits/{body['id']}").status_code == 200
    assert http.delete(f"/concurrency_limits/{body['id']}").json() == {"detail": "Concurrency limit not found"}
    assert http.delete(f"/concurrency_limits/tag/{zero}").status_code == 200
    http.delete(f"/v2/concurrency_limits/{other}")


def _max_overlap(intervals):
    # End events sort before start events at the same instant: touching intervals do not overlap.
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
                    key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def test_ten_tagged_tasks_never_run_more_than_two_at_once(prefect_cli):
    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    tag = _tag("ten")
    prefect_cli("concurrency-limit", "create", tag, "2")

    @task(tags=[tag])
    def tagged(i):
        started = time.time()
        time.sleep(0.5)
        return (started, time.time())

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=10))
    def ten_tasks():
        futures = [tagged.submit(i) for i in range(10)]
        return [f.result() for f in futures]

    intervals = ten_tasks()
    assert len(intervals) == 10
    assert _max_overlap(intervals) <= 2, sorted(intervals)
    after = _cli_json(prefect_cli, "concurrency-limit", "inspect", tag)
    assert after["active_slots"] == []
    prefect_cli("concurrency-limit", "delete", tag)


HOLDER_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from prefect import flow, task
    from prefect.context import get_run_context

    @task(tags=[sys.argv[1]])
    def hold():
        Path(sys.argv[2]).write_text(str(get_run_context().task_run.id))
        time.sleep(3600)

    @flow
    def holder():
        hold()

    holder()
""")


def test_slot_of_a_killed_process_comes_back(dedicated_server, tmp_path):
    # The repossessor looks every second (Prefect's setting), so the slot is back within a
    # few seconds of the task's lease expiring; the wait is bounded by the lease plus a margin.
    srv = dedicated_server({"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"})
    wait_limit = TASK_LEASE_SECONDS + float(os.environ.get("PRAETOR_COMPAT_REPOSSESS_MARGIN", "45"))
    tag = _tag("killed")
    env = {**os.environ, "PREFECT_API_URL": srv.api_url}
    prefect = str(Path(sys.executable).parent / "prefect")
    subprocess.run([prefect, "concurrency-limit", "create", tag, "1"], env=env, check=True, capture_output=True)

    script = tmp_path / "holder.py"
    script.write_text(HOLDER_SCRIPT)
    marker = tmp_path / "task_run_id"
    proc = subprocess.Popen([sys.executable, str(script), tag, str(marker)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, "the holder process exited before its task ran"
            assert time.monotonic() < deadline, "the holder's task never started"
            time.sleep(0.2)
        task_run_id = marker.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = time.monotonic()

    def inspect():
        out = subprocess.run([prefect, "concurrency-limit", "inspect", tag, "-o", "json"], env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    assert inspect()["active_slots"] == [task_run_id]
    from prefect import flow, task
    from prefect.settings import PREFECT_API_URL, temporary_settings

    @task(tags=[tag])
    def after():
        return "ran"

    @flow
    def next_flow():
        return after()

    with temporary_settings({PREFECT_API_URL: srv.api_url}):
        with get_client(sync_client=True) as client:
            while inspect()["active_slots"] or client.read_global_concurrency_limit_by_name(f"tag:{tag}").active_slots:
                assert time.monotonic() - killed_at < wait_limit, "the killed process's slot did not come back"
                time.sleep(1)
        # The slot is free again: another tagged task runs.
        assert next_flow() == "ran"
