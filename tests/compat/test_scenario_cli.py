"""The `prefect` CLI reading runs the tests created: flow-run ls/inspect/logs, flow ls.

Each check looks for the rows of this test's own runs (ids, names, states, log lines) in
the CLI's stdout, so other tests' runs in the same server do not matter.
"""

import json
import uuid

import pytest

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter

from scenarios import unique, wait_for


@pytest.fixture(scope="module")
def cli_runs():
    """One completed and one failed flow run of a fresh flow; the completed one logs twice."""
    flow_name = unique("cli-flow")
    first_line = f"first line {uuid.uuid4().hex[:8]}"
    second_line = f"second line {uuid.uuid4().hex[:8]}"

    @flow(name=flow_name)
    def cli_flow(fail: bool = False):
        if fail:
            raise RuntimeError("cli flow asked to fail")
        logger = get_run_logger()
        logger.info(first_line)
        logger.warning(second_line)
        return 1

    completed = cli_flow(return_state=True)
    failed = cli_flow(fail=True, return_state=True)
    assert completed.is_completed() and failed.is_failed()
    completed_id = completed.state_details.flow_run_id
    with get_client(sync_client=True) as client:

        def logs_arrived():
            logs = client.read_logs(log_filter=LogFilter(flow_run_id={"any_": [completed_id]}))
            return {log.message for log in logs} >= {first_line, second_line}

        wait_for(logs_arrived, what="the flow's log lines")
        completed_run = client.read_flow_run(completed_id)
        failed_run = client.read_flow_run(failed.state_details.flow_run_id)
    return {
        "flow_name": flow_name,
        "completed": completed_run,
        "failed": failed_run,
        "lines": (first_line, second_line),
    }


def _row_of(stdout: str, needle: str) -> str:
    rows = [line for line in stdout.splitlines() if needle in line]
    assert len(rows) == 1, f"expected one row with {needle!r} in:\n{stdout}"
    return rows[0]


# Verifies `prefect flow-run ls --flow-name` lists both runs with id, flow, name and state.
def test_flow_run_ls_lists_the_runs(prefect_cli, cli_runs):
    out = prefect_cli("flow-run", "ls", "--flow-name", cli_runs["flow_name"]).stdout
    completed, failed = cli_runs["completed"], cli_runs["failed"]
    row = _row_of(out, str(completed.id))
    assert cli_runs["flow_name"] in row and completed.name in row and "COMPLETED" in row
    row = _row_of(out, str(failed.id))
    assert cli_runs["flow_name"] in row and failed.name in row and "FAILED" in row
    assert "Flow Runs" in out


# Verifies `prefect flow-run ls` filters by state type and prints JSON with -o json.
@pytest.mark.new_client  # `-o json` arrived after 3.2
def test_flow_run_ls_state_filter_and_json(prefect_cli, cli_runs):
    out = prefect_cli(
        "flow-run", "ls", "--flow-name", cli_runs["flow_name"], "--state-type", "FAILED", "-o", "json"
    ).stdout
    runs = json.loads(out)
    assert [r["id"] for r in runs] == [str(cli_runs["failed"].id)]
    assert runs[0]["state"]["type"] == "FAILED"
    assert runs[0]["name"] == cli_runs["failed"].name


# Verifies `prefect flow-run inspect <id>` prints the run's id, name, flow id and state.
@pytest.mark.new_client  # `-o json` arrived after 3.2
def test_flow_run_inspect(prefect_cli, cli_runs):
    run = cli_runs["completed"]
    out = prefect_cli("flow-run", "inspect", str(run.id)).stdout
    assert f"id='{run.id}'" in out
    assert f"name='{run.name}'" in out
    assert f"flow_id='{run.flow_id}'" in out
    assert "type=StateType.COMPLETED" in out
    assert "run_count=1" in out
    as_json = json.loads(prefect_cli("flow-run", "inspect", str(run.id), "-o", "json").stdout)
    assert as_json["id"] == str(run.id)
    assert as_json["state"]["name"] == "Completed"


# Verifies `prefect flow-run inspect` of an unknown id says so and exits non-zero.
@pytest.mark.new_client  # 3.2's CLI does not catch ObjectNotFound (Prefect's server gives the same traceback)
def test_flow_run_inspect_unknown_id(prefect_cli):
    missing = uuid.uuid4()
    proc = prefect_cli("flow-run", "inspect", str(missing), check=False)
    assert proc.returncode == 1
    assert f"Flow run '{missing}' not found!" in proc.stdout + proc.stderr


# Verifies `prefect flow-run logs <id>` prints the run's log lines in order with levels.
def test_flow_run_logs(prefect_cli, cli_runs):
    run = cli_runs["completed"]
    first_line, second_line = cli_runs["lines"]
    out = prefect_cli("flow-run", "logs", str(run.id)).stdout
    first = _row_of(out, first_line)
    second = _row_of(out, second_line)
    assert "INFO" in first and f"Flow run '{run.name}'" in first
    assert "WARNING" in second
    assert out.index(first_line) < out.index(second_line)
    assert "Beginning flow run" in out
    reversed_out = prefect_cli("flow-run", "logs", str(run.id), "--reverse").stdout
    assert reversed_out.index(second_line) < reversed_out.index(first_line)


# Verifies `prefect flow ls` lists flows newest first, honouring --limit.
def test_flow_ls(prefect_cli, cli_runs):
    older, newer = unique("cli-ls-old"), unique("cli-ls-new")
    with get_client(sync_client=True) as client:
        older_id = client.create_flow_from_name(older)
        newer_id = client.create_flow_from_name(newer)
    out = prefect_cli("flow", "ls", "--limit", "2").stdout
    newer_row = _row_of(out, str(newer_id))
    older_row = _row_of(out, str(older_id))
    assert newer in newer_row and older in older_row
    assert out.index(newer_row) < out.index(older_row)
    assert cli_runs["flow_name"] not in out  # beyond the limit
    everything = prefect_cli("flow", "ls", "--limit", "200").stdout
    _row_of(everything, str(cli_runs["completed"].flow_id))
