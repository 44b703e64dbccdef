"""Block documents are encrypted at rest: a Secret saved through the SDK leaves no plaintext
in the SQLite database, its WAL, a backup or the log; the generated key file is 0600 and
outside the database; a database opened with another key answers a clear error naming the
key's source instead of garbage."""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from conftest import BINARY

PLAINTEXT = "praetor-canary-7f3a9c1e5b2d4680-plaintext"


def _sdk(api_url: str, code: str, client_home: Path) -> str:
    """Runs `code` with the prefect SDK pointed at the server (its own client PREFECT_HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(client_home), DO_NOT_TRACK="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _files_holding(paths, needle: bytes) -> list[str]:
    return [str(p) for p in paths if Path(p).exists() and needle in Path(p).read_bytes()]


def test_secret_is_encrypted_in_database_wal_and_backup(praetor_factory, tmp_path):
    p = praetor_factory().start()
    _sdk(p.api_url, f"from prefect.blocks.system import Secret; Secret(value={PLAINTEXT!r}).save('canary')", tmp_path / "client")
    # The SDK reads the secret back through the server.
    assert PLAINTEXT in _sdk(p.api_url, "from prefect.blocks.system import Secret; print(Secret.load('canary').get())", tmp_path / "client")
    reads = httpx.get(f"{p.api_url}/block_types/slug/secret/block_documents/name/canary").json()
    assert reads["data"] == {"value": "********"}

    key_file = tmp_path / "praetor-blocks.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(base64.b64decode(key, validate=True)) == 32

    db = tmp_path / "praetor.db"
    live = [db, Path(f"{db}-wal")]
    assert Path(f"{db}-wal").exists()
    needle = PLAINTEXT.encode()
    assert _files_holding(live, needle) == []
    assert _files_holding(live, key.encode()) == []  # the key is not in the database either
    assert p.terminate() == 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path)
    out = subprocess.run([BINARY, "server", "database", "backup"], env=env, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    backup = out.stdout.strip().splitlines()[-1]
    everything = [backup, db, Path(f"{db}-wal"), *tmp_path.glob("*.log")]
    assert _files_holding(everything, needle) == []


def test_another_key_is_a_clear_error_and_the_right_key_reads(praetor_factory, tmp_path):
    p = praetor_factory().start()
    _sdk(p.api_url, f"from prefect.blocks.system import Secret; Secret(value={PLAINTEXT!r}).save('keyed')", tmp_path / "client")
    assert p.terminate() == 0

    other_key = base64.b64encode(os.urandom(32)).decode()
    wrong = praetor_factory(env={"PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY": other_key}).start()
    answer = httpx.get(f"{wrong.api_url}/block_types/slug/secret/block_documents/name/keyed")
    assert answer.status_code == 500
    assert "PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY" in answer.json()["detail"]
    assert "another key" in answer.json()["detail"]
    assert other_key not in wrong.log_text()
    assert wrong.terminate() == 0

    # The setting with the key file's key reads the secret back.
    key = (tmp_path / "praetor-blocks.key").read_text().strip()
    right = praetor_factory(env={"PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY": key}).start()
    answer = httpx.get(f"{right.api_url}/block_types/slug/secret/block_documents/name/keyed",
                       params={"include_secrets": "true"})
    assert answer.status_code == 200 and answer.json()["data"] == {"value": PLAINTEXT}
    assert key not in right.log_text()
    assert right.terminate() == 0


def test_bad_key_setting_refuses_to_start_by_name(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path), PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY="dG9vLXNob3J0")
    out = subprocess.run([BINARY, "server", "start", "--port", "0"], env=env, capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert "PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY" in out.stdout + out.stderr
    assert "dG9vLXNob3J0" not in out.stdout + out.stderr
