"""pytest plugin: a skipped test fails the run unless its skip was declared on purpose.

A skip hides whatever the test would have caught, so the test command accepts only skips
whose reason starts with "target-specific:" (a test of behaviour only one of the two
servers has, e.g. Praetor's leniency toward unknown fields, or Prefect's strictness that
Praetor relaxes). Any other skip (a missing fixture, an unreachable cluster, a guard left
from parallel work) is reported and turns the exit status into a failure.

Loaded by scripts/test.sh with `-p skip_policy` (tests/support on PYTHONPATH).
"""

import pytest

EXPECTED_PREFIX = "target-specific:"

_unexpected: list[str] = []


def _reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _reason(report)
        if not reason.startswith(EXPECTED_PREFIX):
            _unexpected.append(f"{report.nodeid}: {reason}")


def pytest_terminal_summary(terminalreporter):
    if _unexpected:
        terminalreporter.section("unexpected skips (skip_policy)", red=True)
        for line in _unexpected:
            terminalreporter.line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if _unexpected and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
