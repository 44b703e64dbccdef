"""compose.yaml: validated against the Compose specification's JSON schema (the one the
compose-go loader of `docker compose` ships; no Docker engine or compose plugin runs here),
after interpolating variables as `docker compose config` does, then checked for the shape
docs/deploying.md describes: PostgreSQL, two Praetor replicas, a process worker, each
started only when what it needs is healthy."""

import json
import os
import re

import jsonschema
import pytest
import yaml

from conftest import ROOT, pinned_prefect_version, project_version
from recipe import read_recipe

COMPOSE = ROOT / "compose.yaml"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value, env: dict[str, str]):
    """${VAR}, ${VAR:-default}, ${VAR:?error} as Compose resolves them."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        current = env.get(name)
        if op in (":-", "-"):
            return current if current not in (None, "") or (op == "-" and current is not None) else arg
        if op in (":?", "?"):
            if current in (None, ""):
                raise KeyError(f"{name}: {arg}")
            return current
        return current or ""
    return _VARIABLE.sub(one, value)


def load(env: dict[str, str]) -> dict:
    return interpolate(yaml.safe_load(COMPOSE.read_text()), env)


@pytest.fixture(scope="module")
def schema(tools):
    return json.loads((tools / "compose-spec.json").read_text())


# Verifies compose.yaml is valid Compose (schema), and refuses to start without a password.
def test_compose_file_matches_the_compose_schema(schema):
    config = load({"POSTGRES_PASSWORD": "s3cret"})
    jsonschema.Draft202012Validator(schema).validate(config)
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        load({})


# Verifies the schema check has teeth: the mistakes it exists for are refused.
@pytest.mark.parametrize("mistake", ["misspelt service key", "unknown depends_on condition", "misspelt healthcheck key"])
def test_compose_schema_refuses_broken_files(schema, mistake):
    config = load({"POSTGRES_PASSWORD": "s3cret"})
    services = config["services"]
    if mistake == "misspelt service key":
        services["praetor"]["dependson"] = services["praetor"].pop("depends_on")
    elif mistake == "unknown depends_on condition":
        services["worker"]["depends_on"]["praetor"]["condition"] = "service_ready"
    else:
        services["praetor"]["healthcheck"]["intervall"] = services["praetor"]["healthcheck"].pop("interval")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(config)


# Verifies the deployment shape and the readiness-gated start order.
def test_compose_services_start_in_readiness_order():
    services = load({"POSTGRES_PASSWORD": "s3cret"})["services"]
    assert set(services) == {"postgres", "praetor", "worker"}
    for name, service in services.items():
        for needed, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, name
            assert "healthcheck" in services[needed], f"{name} waits for {needed}, which has no health check"

    postgres, praetor, worker = services["postgres"], services["praetor"], services["worker"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["image"].startswith("postgres:15")  # the image's pg_dump is PostgreSQL 15's

    assert praetor["deploy"]["replicas"] == 2
    assert praetor["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert praetor["healthcheck"]["test"] == ["CMD", "curl", "-fsS", "http://127.0.0.1:4200/api/ready"]
    assert praetor["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == \
        "postgresql+asyncpg://prefect:s3cret@postgres:5432/prefect"
    assert praetor["build"]["dockerfile"] == "deploy/Containerfile"
    assert praetor["build"]["args"]["VERSION"] == project_version()
    assert praetor["image"] == f"praetor:{project_version()}"
    assert praetor["volumes"] == ["praetor-data:/data"]

    assert worker["depends_on"] == {"praetor": {"condition": "service_healthy"}}
    assert worker["environment"]["PREFECT_API_URL"] == "http://praetor:4200/api"
    assert worker["command"][:3] == ["prefect", "worker", "start"]
    assert worker["command"][worker["command"].index("--type") + 1] == "process"


# Verifies the worker image is built from the prefect version the project pins, as a non-root user.
def test_worker_image_installs_the_pinned_prefect():
    worker = load({"POSTGRES_PASSWORD": "x"})["services"]["worker"]
    assert worker["build"]["args"]["PREFECT_VERSION"] == pinned_prefect_version()
    assert worker["image"].endswith(f"prefect-{pinned_prefect_version()}")
    (stage,) = read_recipe(ROOT / worker["build"]["context"] / worker["build"]["dockerfile"])
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
    assert "compose.yaml" in section and "PRAETOR_VERSION" in section
    assert "docker compose up -d --build" in section
    compose_text = COMPOSE.read_text()
    for variable in re.findall(r"`(PRAETOR_[A-Z_]+|POSTGRES_PASSWORD)=", section):
        assert variable in compose_text or variable.startswith("PRAETOR_SERVER_"), variable
