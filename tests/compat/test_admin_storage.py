"""The server's default result storage (GET/PUT/DELETE /admin/storage): set and cleared with
`prefect experimental result-storage set/inspect/clear`, used by flows that persist results
without a result storage of their own, validated as Prefect validates it (the block document
must exist and be a writable file system), and cleared when its block document is deleted."""

import json
import tempfile
import uuid
from pathlib import Path

from prefect import flow, task
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.filesystems import LocalFileSystem


# Verifies the PUT body's validation and the block checks: a missing or malformed id is a 422,
# an unknown block document a 404, a block that cannot store results a 422.
def test_put_validates_the_block(http):
    missing = http.put("/admin/storage", json={})
    assert missing.status_code == 422
    assert missing.json()["exception_detail"][0]["loc"] == ["body", "default_result_storage_block_id"]
    malformed = http.put("/admin/storage", json={"default_result_storage_block_id": "nope"})
    assert malformed.status_code == 422
    assert malformed.json()["exception_detail"][0]["type"] == "uuid_parsing"
    unknown = str(uuid.uuid4())
    res = http.put("/admin/storage", json={"default_result_storage_block_id": unknown})
    assert res.status_code == 404
    assert res.json() == {"detail": f"Block document {unknown} not found."}
    secret_id = str(Secret(value="s3cr3t").save(f"not-storage-{uuid.uuid4().hex[:8]}"))
    res = http.put("/admin/storage", json={"default_result_storage_block_id": secret_id})
    assert res.status_code == 422
    assert res.json() == {"detail": f"Block document {secret_id} cannot be used for result storage."}
    assert http.get("/admin/storage").json() == {"default_result_storage_block_id": None}


# Verifies the CLI sets the default, flows then persist results into that block's file
# system, `clear` removes it, and deleting the block document clears it too.
def test_default_result_storage_through_the_cli(http, prefect_cli):
    basepath = Path(tempfile.mkdtemp(prefix="compat-results-"))
    name = f"results-{uuid.uuid4().hex[:8]}"
    block_id = str(LocalFileSystem(basepath=str(basepath)).save(name))
    try:
        assert http.get("/admin/storage").json() == {"default_result_storage_block_id": None}
        prefect_cli("experimental", "result-storage", "set", f"local-file-system/{name}")
        assert http.get("/admin/storage").json() == {"default_result_storage_block_id": block_id}
        shown = json.loads(prefect_cli("experimental", "result-storage", "inspect", "--output", "json").stdout)
        assert shown == {"default_result_storage_block_id": block_id, "block": f"local-file-system/{name}"}

        @task(persist_result=True)
        def compute():
            return {"answer": 42}

        @flow
        def persisting():
            return compute()

        assert persisting() == {"answer": 42}
        assert any(p.is_file() for p in basepath.rglob("*")), "no result was written to the server's default storage"

        prefect_cli("experimental", "result-storage", "clear")
        assert http.get("/admin/storage").json() == {"default_result_storage_block_id": None}
        assert "No default result storage" in prefect_cli("experimental", "result-storage", "inspect").stdout

        # Set again, then delete the block: the default goes with it.
        put = http.put("/admin/storage", json={"default_result_storage_block_id": block_id})
        assert put.status_code == 200 and put.json() == {"default_result_storage_block_id": block_id}
        with get_client(sync_client=True) as client:
            client.delete_block_document(block_id)
        assert http.get("/admin/storage").json() == {"default_result_storage_block_id": None}
    finally:
        # Other tests share the server: never leave a default behind.
        assert http.delete("/admin/storage").status_code == 204
