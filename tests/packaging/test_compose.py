"""compose.yaml, loaded as `docker compose config` loads it (no Docker engine or compose
plugin runs here): tests/packaging/compose_config, built on compose-go, the library docker
compose uses, interpolates variables, validates against the Compose schema, checks
consistency (references to services, volumes) and prints the resolved project. The tests
then check the shape docs/deploying.md describes: PostgreSQL, two Praetor replicas, a
process worker, each started only when what it needs is healthy."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, pinned_prefect_version, project_version
from recipe import read_recipe

COMPOSE = ROOT / "compose.yaml"


def compose_config(tools: Path, file: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PREFECT_", "PRAETOR_", "POSTGRES_", "COMPOSE_"))}
    return subprocess.run([str(tools / "bin/compose-config"), str(file)], env={**clean, **env},
                          capture_output=True, text=True, cwd=file.parent)


@pytest.fixture(scope="module")
def project(tools) -> dict:
    out = compose_config(tools, COMPOSE, {"POSTGRES_PASSWORD": "s3cret"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# Verifies compose.yaml loads as docker compose would load it, and refuses to without a
# database password.
def test_compose_file_loads_and_requires_a_password(tools, project):
    assert project["name"] == "praetor"
    refused = compose_config(tools, COMPOSE, {})
    assert refused.returncode != 0 and "required variable POSTGRES_PASSWORD is missing" in refused.stderr


# Verifies the loader has teeth: the mistakes it exists for are refused, by name.
@pytest.mark.parametrize("edit, message", [
    pytest.param(("    depends_on:\n      postgres:", "    dependson:\n      postgres:"), "dependson", id="misspelt-key"),
    pytest.param(("condition: service_healthy\n    restart", "condition: service_ready\n    restart"),
                 "depends_on.praetor.condition", id="unknown-condition"),
    pytest.param(("      praetor:\n        condition", "      praetorr:\n        condition"), "praetorr",
                 id="undefined-service"),
    pytest.param(("retries: 60", "retries: sixty"), "sixty", id="not-a-number"),
])
def test_compose_loader_refuses_broken_files(tools, tmp_path, edit, message):
    text = COMPOSE.read_text()
    assert edit[0] in text
    broken = tmp_path / "compose.yaml"
    broken.write_text(text.replace(edit[0], edit[1], 1))
    out = compose_config(tools, broken, {"POSTGRES_PASSWORD": "s3cret"})
    assert out.returncode != 0 and message in out.stderr, out.stderr


# Verifies the deployment shape and the readiness-gated start order.
def test_compose_services_start_in_readiness_order(project):
    services = project["services"]
    assert set(services) == {"postgres", "praetor", "worker"}
    for name, service in services.items():
        for needed, dependency in (service.get("depends_on") or {}).items():
            assert dependency["condition"] == "service_healthy", name
            assert services[needed].get("healthcheck"), f"{name} waits for {needed}, which has no health check"

    postgres, praetor, worker = services["postgres"], services["praetor"], services["worker"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["image"].startswith("postgres:15")  # the image's pg_dump is PostgreSQL 15's

    assert praetor["deploy"]["replicas"] == 2
    assert list(praetor["depends_on"]) == ["postgres"]
    assert praetor["healthcheck"]["test"] == ["CMD", "curl", "-fsS", "http://127.0.0.1:4200/api/ready"]
    assert praetor["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == \
        "postgresql+asyncpg://prefect:s3cret@postgres:5432/prefect"
    assert praetor["build"]["context"] == str(ROOT) and praetor["build"]["dockerfile"] == "deploy/Containerfile"
    assert praetor["build"]["args"] == {"VERSION": project_version(), "REVISION": "unknown"}
    assert praetor["image"] == f"praetor:{project_version()}"
    assert [(v["type"], v["source"], v["target"]) for v in praetor["volumes"]] == [("volume", "praetor-data", "/data")]
    assert [(p["host_ip"], p["published"], p["target"]) for p in praetor["ports"]] == \
        [("127.0.0.1", "4200-4201", 4200)]  # one host port per replica, loopback only

    assert list(worker["depends_on"]) == ["praetor"]
    assert worker["environment"]["PREFECT_API_URL"] == "http://praetor:4200/api"
    assert worker["command"][:3] == ["prefect", "worker", "start"]
    assert worker["command"][worker["command"].index("--type") + 1] == "process"


# Verifies the image tag follows PRAETOR_VERSION, which is also the build's VERSION (the
# Containerfile refuses a VERSION that is not the checkout's): "change the tag, up -d --build".
def test_compose_tag_and_build_version_move_together(tools):
    out = compose_config(tools, COMPOSE, {"POSTGRES_PASSWORD": "x", "PRAETOR_VERSION": "9.9.9"})
    praetor = json.loads(out.stdout)["services"]["praetor"]
    assert praetor["image"] == "praetor:9.9.9" and praetor["build"]["args"]["VERSION"] == "9.9.9"


# Verifies the worker image is built from the prefect version the project pins, as a non-root user.
def test_worker_image_installs_the_pinned_prefect(project):
    worker = project["services"]["worker"]
    assert worker["build"]["args"]["PREFECT_VERSION"] == pinned_prefect_version()
    assert worker["image"].endswith(f"prefect-{pinned_prefect_version()}")
    (stage,) = read_recipe(Path(worker["build"]["context"]) / worker["build"]["dockerfile"])
    assert stage.base == "debian:bookworm-slim"
    assert stage.args()["PREFECT_VERSION"] == pinned_prefect_version()
    assert any('pip install --no-cache-dir "prefect==$PREFECT_VERSION"' in r for r in stage.all("RUN"))
    uid = stage.all("USER")[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000  # numeric: Kubernetes' runAsNonRoot can check it
    assert any(f"--uid {uid}" in r for r in stage.all("RUN"))


# Verifies the upgrade runbook describes these files, not an image nothing builds.
def test_upgrade_runbook_matches_compose_file():
    runbook = (ROOT / "docs/upgrading.md").read_text()
    assert "your/praetor" not in runbook
    section = runbook.split("## Docker Compose", 1)[1].split("\n## ", 1)[0]
    assert "compose.yaml" in section and "docker compose up -d --build" in section
    compose_text = COMPOSE.read_text()
    for variable in ("PRAETOR_VERSION", "POSTGRES_PASSWORD", "praetor-data"):
        assert variable in section and variable in compose_text, variable
