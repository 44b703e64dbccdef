"""Secrets stay out of logs and files stay private: a rejected event is logged by size and
reason, never by content; the database, its WAL, backups and a created PREFECT_HOME are
owner-only (0600 files, 0700 folders)."""

import json
import os
import stat
import subprocess
import time

import httpx
from websockets.sync.client import connect

from conftest import BINARY


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_home_database_wal_and_backups_are_owner_only(praetor_factory, tmp_path):
    home = tmp_path / "fresh-home"
    p = praetor_factory(env={"PREFECT_HOME": str(home)}).start()
    assert httpx.post(f"{p.api_url}/flows/", json={"name": "private"}).status_code == 201
    assert _mode(home) == 0o700
    db = home / "praetor.db"
    for f in (db, home / "praetor.db-wal", home / "praetor.db-shm"):
        assert f.exists() and _mode(f) == 0o600, (f, oct(_mode(f)) if f.exists() else None)
    assert p.terminate() == 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    out = subprocess.run([BINARY, "server", "database", "backup"], env=env, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    backup = out.stdout.strip().splitlines()[-1]  # the command prints where the backup is
    assert os.path.isfile(backup) and _mode(backup) == 0o600, (backup, oct(_mode(backup)))


def test_rejected_event_is_logged_by_size_and_reason_only(praetor_factory):
    p = praetor_factory().start()
    secret = "sk-live-0123456789abcdef"
    invalid = {"id": "not-a-uuid", "event": "leaky.event", "occurred": "2026-01-01T00:00:00Z",
               "resource": {"prefect.resource.id": "leaky"}, "payload": {"api_key": secret}}
    with connect(p.api_url.replace("http://", "ws://") + "/events/in", subprotocols=["prefect"]) as ws:
        ws.send(json.dumps({"type": "auth", "token": None}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "auth_success"}
        ws.send(json.dumps(invalid))
        ws.send("not json " + secret)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = p.log_text()
        if "skipped an invalid event" in log and "not JSON" in log:
            break
        time.sleep(0.05)
    assert "skipped an invalid event (" in log and " bytes)" in log, log[-2000:]
    assert secret not in log
    p.terminate()
