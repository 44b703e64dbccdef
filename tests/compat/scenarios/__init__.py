"""Helpers shared by the end-to-end scenario tests.

The scenario tests run real flows with the unmodified `prefect` SDK against the server
started by conftest.py. `os.environ` already points the SDK at that server
(PREFECT_API_URL, a private PREFECT_HOME), so flows run in-process go there, and so do
the child processes started by `run_script` (they inherit the environment).

Some server work is asynchronous in Prefect (task runs are recorded from events, logs are
sent in batches, events are persisted by a background service), so tests read such
outcomes with `wait_for`, which polls with a deadline instead of sleeping blindly.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Callable, TypeVar

import httpx

T = TypeVar("T")

TARGET = os.environ.get("PRAETOR_COMPAT_TARGET", "praetor")


def unique(prefix: str) -> str:
    """A name no other test (or earlier session) uses: `prefix-<8 hex>`."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class _RetryOn503(httpx.HTTPTransport):
    """Retries a request answered 503 (a server's "busy, try again": Prefect's SQLite lock,
    Praetor's unavailable database) with backoff, as Prefect's own client does."""

    def handle_request(self, request):
        for attempt in range(6):
            response = super().handle_request(request)
            if response.status_code != 503 or attempt == 5:
                return response
            response.close()
            time.sleep(0.2 * 2**attempt)


def http_client(base_url: str, timeout: float = 10) -> httpx.Client:
    """A plain HTTP client for `base_url` that retries 503 answers like the SDK does."""
    return httpx.Client(base_url=base_url, timeout=timeout, transport=_RetryOn503())


def run(coro):
    """Runs a client coroutine to completion (the tests themselves are synchronous)."""
    return asyncio.run(coro)


def wait_for(probe: Callable[[], T], timeout: float = 20.0, what: str = "condition", *, interval: float = 0.1) -> T:
    """Calls `probe` until it returns a truthy value and returns that value.

    Fails the test with `what` and the last value seen when `timeout` seconds pass.
    """
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def write_script(source: str) -> Path:
    """Writes dedented Python `source` to a fresh temporary file and returns its path."""
    directory = Path(tempfile.mkdtemp(prefix="scenario-"))
    path = directory / "script.py"
    path.write_text(textwrap.dedent(source))
    return path


def child_env() -> dict[str, str]:
    """The environment for child processes: this one, with the SDK's telemetry off."""
    return dict(os.environ, DO_NOT_TRACK="1")


def script_command(path: Path, *args: str) -> list[str]:
    """The command line that runs the script at `path` with this interpreter."""
    return [sys.executable, str(path), *args]


def run_script(source: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `source` in a child Python process pointed at the server; fails on a non-zero exit."""
    path = write_script(source)
    proc = subprocess.run(
        script_command(path, *args), env=child_env(), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise AssertionError(f"script exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


async def raw_response(client, method: str, path: str, **kwargs):
    """The response to a request the SDK's client would raise on (4xx), for asserting on it."""
    from prefect.exceptions import PrefectHTTPStatusError

    try:
        return await client._client.request(method, path, **kwargs)
    except PrefectHTTPStatusError as e:
        return e.response
