"""Property-based fuzzing of every operation in Prefect's OpenAPI document against Praetor on
SQLite and PostgreSQL (issue 14): generated valid and invalid requests must never get a 5xx.
The run is bounded (examples per operation and seconds per backend) so it fits the test
command; a longer run sets PRAETOR_FUZZ_SECONDS and PRAETOR_FUZZ_EXAMPLES, e.g. 600 and 50:
  PRAETOR_FUZZ_SECONDS=600 PRAETOR_FUZZ_EXAMPLES=50 .venv/bin/python -m pytest tests/ops/test_schemathesis.py
Operations Praetor does not serve yet answer 404 and pass; route_coverage.py lists them."""

import json
import os
import subprocess
import sys

import pytest

from local_servers import ROOT

SCHEMATHESIS = ROOT / ".venv-fuzz/bin/schemathesis"
# Per backend; the whole suite must stay well inside CI's budget. Schemathesis's coverage phase
# (every operation's boundary cases) alone takes 60-75 s on the 2-core machine now that all 188
# operations are served, so the budget leaves it room and the fuzzing phase has the rest.
MAX_SECONDS = int(os.environ.get("PRAETOR_FUZZ_SECONDS", "150"))
MAX_EXAMPLES = int(os.environ.get("PRAETOR_FUZZ_EXAMPLES", "5"))


@pytest.fixture(scope="module")
def openapi_document(tmp_path_factory) -> str:
    """Prefect's own OpenAPI document, written by the pinned package."""
    path = tmp_path_factory.mktemp("openapi") / "prefect-openapi.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(path.parent)
    script = ("import json, sys; from prefect.server.api.server import create_app; "
              "json.dump(create_app(ephemeral=True).openapi(), open(sys.argv[1], 'w'))")
    subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True, timeout=120,
                   capture_output=True)
    assert len(json.load(open(path))["paths"]) > 100
    return str(path)


def failure_report(stdout: str) -> str:
    """The failing cases (with their curl reproductions) and the summary, not the long warnings
    about missing links that sit between them."""
    start = stdout.find("FAILURES")
    failures = stdout[start:start + 8000] if start >= 0 else "(no FAILURES section)\n"
    # Network and runtime errors (a dropped connection, a timeout) are listed in their own
    # section, with the operation and the exception.
    start = stdout.find("ERRORS")
    errors = stdout[start:start + 6000] if start >= 0 else "(no ERRORS section)\n"
    return failures + "\n" + errors + "\n...\n" + stdout[-1500:]


def server_errors(log: str) -> str:
    """The server's error lines, which name the route and the cause of a 5xx."""
    lines = [line for line in log.splitlines() if "error" in line.lower()]
    return "\nserver error lines:\n" + "\n".join(lines[-40:])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_no_generated_request_gets_a_server_error(backend, openapi_document, praetor_factory, request, tmp_path):
    assert SCHEMATHESIS.exists(), "schemathesis is missing: run scripts/setup.sh (it creates .venv-fuzz)"
    env = {}
    if backend == "postgres":
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = request.getfixturevalue("postgres_db").url
    p = praetor_factory(env=env).start()
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", openapi_document, "--url", p.api_url, "--checks", "not_a_server_error",
         "--phases", "coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_SECONDS),
         "--workers", "2", "--suppress-health-check", "all", "--no-color"],
        capture_output=True, text=True, timeout=MAX_SECONDS + 240, cwd=tmp_path)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, failure_report(run.stdout) + run.stderr[-2000:] + server_errors(p.log_text())
    assert " passed" in summary and "generated" in summary, summary
    assert p.proc.poll() is None, "praetor died under fuzzing: " + p.log_text()[-2000:]
    p.terminate()
