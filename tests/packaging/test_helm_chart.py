"""The Helm chart deploy/helm/praetor: `helm lint` and `helm template` (helm v4 built from its
Go module by scripts/install-packaging-tools.sh) on the default values and the replicated
values (ci/replicated-values.yaml), with the rendered objects checked. No cluster runs here."""

import subprocess

import pytest
import yaml

from conftest import ROOT, project_version

CHART = ROOT / "deploy/helm/praetor"
REPLICATED = CHART / "ci/replicated-values.yaml"


def helm(tools, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(tools / "bin/helm"), *args], capture_output=True, text=True)


def render(tools, *args: str) -> dict[tuple[str, str], dict]:
    out = helm(tools, "template", "rel", str(CHART), *args)
    assert out.returncode == 0, out.stderr
    objects = [o for o in yaml.safe_load_all(out.stdout) if o]
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def server_container(objects) -> dict:
    (container,) = objects[("Deployment", "rel-praetor")]["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def test_helm_is_the_pinned_version(tools):
    assert helm(tools, "version", "--short").stdout.startswith("v4.3")


@pytest.mark.parametrize("values", [[], ["-f", str(REPLICATED)]], ids=["default", "replicated"])
def test_chart_lints(tools, values):
    out = helm(tools, "lint", "--strict", str(CHART), *values)
    assert out.returncode == 0, out.stdout + out.stderr


# Verifies what every rendering has: probes on the right paths, a PDB and a Service selecting
# the server pods, the image at the chart's appVersion, a non-root pod, and no Job or hook.
@pytest.mark.parametrize("values", [[], ["-f", str(REPLICATED)]], ids=["default", "replicated"])
def test_rendered_server_has_probes_service_pdb_and_no_job(tools, values):
    objects = render(tools, *values)
    assert not [k for k in objects if k[0] in ("Job", "CronJob")]
    for obj in objects.values():
        assert "helm.sh/hook" not in (obj["metadata"].get("annotations") or {})

    deployment = objects[("Deployment", "rel-praetor")]
    pod = deployment["spec"]["template"]
    container = server_container(objects)
    assert container["image"] == f"praetor:{project_version()}"
    assert container["livenessProbe"]["httpGet"] == {"path": "/api/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/ready", "port": "http"}
    assert {"name": "http", "containerPort": 4200, "protocol": "TCP"} in container["ports"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert env_of(container)["PREFECT_HOME"]["value"] == "/data"
    assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]

    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod["metadata"]["labels"].items()
    service = objects[("Service", "rel-praetor")]
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    pdb = objects[("PodDisruptionBudget", "rel-praetor")]
    assert pdb["spec"]["selector"]["matchLabels"] == selector and pdb["spec"]["maxUnavailable"] == 1


# Verifies the default: one SQLite replica on a kept claim, recreated rather than rolled (one
# process owns the file), no database Secret, no worker.
def test_default_values_render_one_sqlite_replica(tools):
    objects = render(tools)
    deployment = objects[("Deployment", "rel-praetor")]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    env = env_of(server_container(objects))
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in env
    assert "PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY" not in env  # the key file in /data
    claim = objects[("PersistentVolumeClaim", "rel-praetor-data")]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "rel-praetor-data"
    assert ("Deployment", "rel-praetor-worker") not in objects


# Verifies the replicated values: three replicas rolled with none unavailable, the database
# URL from the named Secret, PREFECT_* settings from values, and the worker pointed at the Service.
def test_replicated_values_render_rolling_postgres_replicas_and_worker(tools):
    objects = render(tools, "-f", str(REPLICATED))
    deployment = objects[("Deployment", "rel-praetor")]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate",
                                              "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    env = env_of(server_container(objects))
    assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"]["valueFrom"] == \
        {"secretKeyRef": {"name": "praetor-database", "key": "url"}}
    assert env["PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY"]["valueFrom"] == \
        {"secretKeyRef": {"name": "praetor-blocks-key", "key": "key"}}
    assert env["PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED"]["value"] == "true"
    assert env["PREFECT_SERVER_DATABASE_MIGRATE_ON_START"]["value"] == "true"
    assert not [k for k in objects if k[0] == "Secret"]  # the existing Secret is used, not created

    worker = objects[("Deployment", "rel-praetor-worker")]
    assert worker["spec"]["replicas"] == 2
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert env_of(container)["PREFECT_API_URL"]["value"] == "http://rel-praetor:4200/api"
    assert container["args"] == ["prefect", "worker", "start", "--pool", "default", "--type", "process"]
    assert worker["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10002


# Verifies a URL given as a value lands in a Secret the chart creates (not in the pod spec),
# and that several replicas without PostgreSQL or without a shared blocks key are refused by name.
def test_database_url_value_becomes_a_secret_and_unsafe_replicas_are_refused(tools):
    url = "postgresql+asyncpg://prefect:pw@db:5432/prefect"
    objects = render(tools, "--set", f"database.url={url}", "--set", "replicaCount=2",
                     "--set", "blocksEncryptionKey.existingSecret=k")
    secret = objects[("Secret", "rel-praetor-database")]
    assert secret["stringData"] == {"connection-url": url}
    env = env_of(server_container(objects))
    assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"]["valueFrom"]["secretKeyRef"] == \
        {"name": "rel-praetor-database", "key": "connection-url"}
    assert url not in yaml.safe_dump(objects[("Deployment", "rel-praetor")])

    refused = helm(tools, "template", "rel", str(CHART), "--set", "replicaCount=2")
    assert refused.returncode != 0 and "replicaCount > 1 needs PostgreSQL" in refused.stderr
    refused = helm(tools, "template", "rel", str(CHART), "--set", "replicaCount=2", "--set", f"database.url={url}")
    assert refused.returncode != 0 and "replicaCount > 1 needs blocksEncryptionKey.existingSecret" in refused.stderr
