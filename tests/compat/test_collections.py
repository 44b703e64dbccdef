"""/collections/views/{view}: the collection registry's views, served from the data the
installed prefect package carries. `prefect work-pool create --type kubernetes` on a client
without prefect-kubernetes takes the type's base job template from the worker view."""

import json
import uuid
from pathlib import Path

import httpx
import prefect

from prefect.client.collections import get_collections_metadata_client
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL

from scenarios import run

VIEWS = Path(prefect.__file__).parent / "server" / "api" / "collections_data" / "views"


def _packaged_kubernetes_template() -> dict:
    data = json.loads((VIEWS / "aggregate-worker-metadata.json").read_text())
    return data["prefect-kubernetes"]["kubernetes"]["default_base_job_configuration"]


def test_worker_view_comes_from_the_package_data():
    async def read():
        async with get_collections_metadata_client() as client:
            return await client.read_worker_metadata()

    metadata = run(read())
    kubernetes = metadata["prefect-kubernetes"]["kubernetes"]
    assert kubernetes["type"] == "kubernetes"
    assert kubernetes["default_base_job_configuration"] == _packaged_kubernetes_template()


def test_unknown_view_is_404():
    r = httpx.get(f"{PREFECT_API_URL.value()}/collections/views/no-such-view", timeout=60)
    assert r.status_code == 404
    assert r.json() == {"detail": "View no-such-view not found in registry"}


def test_work_pool_create_kubernetes_without_the_integration(prefect_cli):
    import importlib.util

    assert importlib.util.find_spec("prefect_kubernetes") is None  # the CLI must ask the server
    name = f"k8s-{uuid.uuid4().hex[:8]}"
    created = prefect_cli("work-pool", "create", name, "--type", "kubernetes")
    assert name in created.stdout
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(name)
    assert pool.type == "kubernetes"
    assert pool.base_job_template == _packaged_kubernetes_template()
    assert "namespace" in pool.base_job_template["variables"]["properties"]
    prefect_cli("work-pool", "delete", name)
