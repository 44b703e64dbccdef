"""`prefect transfer` (the pinned CLI's copy between two profiles' servers) moves to and from
Praetor what it moves between two of Prefect's own servers (issue 15 part 4).

Prefect's server (the pinned package, SQLite) is filled through the SDK and CLI with what
the command moves (transfer_dataset.py: flows, deployments with interval, cron and rrule
schedules, work pools and queues, variables, blocks with secrets and a nested custom type,
eleven global limits and a tag limit, automations whose actions name a deployment, a pool,
a queue, another automation and notification blocks). It is transferred to a second Prefect
server (the oracle) and to Praetor on SQLite and on PostgreSQL: the command reports the same
outcome for every resource, and the targets then hold the same objects. Then Praetor's copy
is transferred on to a third Prefect server, which ends up with what the oracle holds.

Prefect behaviours seen alike between two Prefect servers (so not differences): a
deployment on its pool's default queue is left behind (the command skips default queues,
created with their pool, and then never runs what depends on them), as are documents of the
block types a Prefect server installs at start; a deployment's own concurrency limit
arrives as a global limit still named after the source's deployment id, the deployment
without it; a pool's description is not sent; a deployment's schedules are created in the order they
are read, newest first, so each hop reverses them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import ROOT, PostgresDatabase, free_port, postgres_cluster_url
from local_servers import wait_until_serving

import pytest

PYTHON = str(ROOT / ".venv/bin/python")
PREFECT = str(ROOT / ".venv/bin/prefect")
DATASET = str(Path(__file__).with_name("transfer_dataset.py"))


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def prefect_database(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class PrefectServer:
    """Prefect's own server on a copy of `template` (a database Prefect's migrations have
    brought to its schema: each server then skips them), its background services off (none
    touches what the transfer moves, and they cost start-up time on a 2-core machine)."""

    def __init__(self, home: Path, template: Path):
        home.mkdir(parents=True)
        shutil.copy(template, home / "prefect.db")
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = home / "server.log"
        self.log = open(self.log_path, "wb")
        services_off = {f"PREFECT_SERVER_SERVICES_{s}_ENABLED": "false" for s in (
            "SCHEDULER", "LATE_RUNS", "FOREMAN", "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS", "TASK_RUN_RECORDER",
            "REPOSSESSOR", "TRIGGERS", "EVENT_PERSISTER", "EVENT_LOGGER", "ACTIONS")}
        self.proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=clean_env(PREFECT_HOME=str(home), PREFECT_UI_ENABLED="false",
                          PREFECT_SERVER_DATABASE_CONNECTION_URL=prefect_database(home / "prefect.db"),
                          **services_off),
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self) -> None:
        def alive():
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
        wait_until_serving(self.api_url, alive, 180)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def migrated_template(tmp_path: Path) -> Path:
    template = tmp_path / "template.db"
    out = subprocess.run([PREFECT, "server", "database", "upgrade", "-y"],
                         env=clean_env(PREFECT_HOME=str(tmp_path / "template-home"),
                                       PREFECT_SERVER_DATABASE_CONNECTION_URL=prefect_database(template)),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return template


def dataset(home: Path, *args: str, api_url: str = "") -> str:
    out = subprocess.run([PYTHON, DATASET, *args], env=clean_env(PREFECT_API_URL=api_url, PREFECT_HOME=str(home)),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def start_transfer(home: Path, source: str, target: str) -> subprocess.Popen:
    """Starts `prefect transfer --from source --to target` with the profiles in `home`."""
    return subprocess.Popen([PREFECT, "--no-prompt", "transfer", "--from", source, "--to", target],
                            env=clean_env(PREFECT_HOME=str(home), COLUMNS="400"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def outcomes_of(home: Path, source: str, target: str, command: subprocess.Popen) -> dict:
    """Each resource's outcome as the finished `command` reports it (Success, Skipped: why,
    or Failed: why), by the name it shows; block schemas, which it names by their source
    ids, as the list of their outcomes under "block-schema/*"."""
    output, _ = command.communicate(timeout=300)
    (home / f"transfer-{source}-to-{target}.txt").write_text(output)
    outcomes: dict = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) == 5 and any(word in cells[2] for word in ("Success", "Skipped", "Failed")):
            outcome = cells[2].split()[-1] + (f": {cells[3]}" if cells[3] else "")
            if cells[1].startswith("block-schema/"):
                outcomes.setdefault("block-schema/*", []).append(outcome)
            else:
                outcomes[cells[1]] = outcome
    assert outcomes, output
    outcomes["block-schema/*"] = sorted(outcomes.get("block-schema/*", []))
    return outcomes


def differences(got: dict, want: dict) -> list[str]:
    """Each object one side holds that the other does not, by kind."""
    out = []
    for kind in sorted(set(got) | set(want)):
        mine = [json.dumps(x, sort_keys=True) for x in got.get(kind, [])]
        theirs = [json.dumps(x, sort_keys=True) for x in want.get(kind, [])]
        out += [f"{kind}: only in Praetor's: {x}" for x in mine if x not in theirs]
        out += [f"{kind}: only in Prefect's: {x}" for x in theirs if x not in mine]
    return out


def installed_by_prefect(outcomes: dict) -> set[str]:
    """The block types a Prefect target already held: its server installs the SDK's own
    (Secret, Webhook, the notification blocks, ...) at start, which Praetor cannot (they
    are derived from Python classes; api/block_registration.h)."""
    return {r.removeprefix("block-type/") for r, outcome in outcomes.items()
            if r.startswith("block-type/") and outcome == "Skipped: Already exists"}


def using_documents(automation: dict, labels: set[str]) -> bool:
    return bool(labels & set(json.dumps(automation).split('"')))


def left_behind(types: set[str], source: dict) -> dict:
    """What `prefect transfer` leaves behind between two Prefect servers because the target
    already has the block `types`: it skips a type the target has and then never runs what
    depends on it (its DAG readies a node only once every dependency completed, and a
    skipped one never does), without a word. The documents of those types, their schemas
    and the automations whose actions use those documents; Praetor, which lacks the types,
    receives them."""
    documents = [d for d in source["block_documents"] if d["block_type"]["slug"] in types]
    labels = {f"block_document:{d['block_type']['slug']}/{d['name']}" for d in documents}
    automations = [a["name"] for a in source["automations"] if using_documents(a, labels)]
    return {"documents": documents,
            "resources": {f"block-document/{d['name']}" for d in documents} | {f"automation/{a}" for a in automations},
            "schemas": len({d["block_schema"]["checksum"] for d in documents})}


def without(read: dict, types: set[str]) -> dict:
    """`read` without the block types, schemas and documents of `types` and the automations
    that use those documents."""
    out = dict(read)
    out["block_types"] = [t for t in read["block_types"] if t["slug"] not in types]
    out["block_schemas"] = [s for s in read["block_schemas"] if s["block_type"]["slug"] not in types]
    out["block_documents"] = [d for d in read["block_documents"] if d["block_type"]["slug"] not in types]
    labels = {f"block_document:{d['block_type']['slug']}/{d['name']}" for d in read["block_documents"]
              if d["block_type"]["slug"] in types}
    out["automations"] = [a for a in read["automations"] if not using_documents(a, labels)]
    return out


def test_prefect_transfer_to_and_from_praetor(praetor_factory, tmp_path):
    cluster = postgres_cluster_url()
    if not cluster:
        pytest.skip("no PostgreSQL test cluster: run scripts/pg.sh start or set PRAETOR_PG_URL")
    database = PostgresDatabase(cluster)
    servers: dict[str, PrefectServer] = {}
    try:
        praetors = {"praetor": praetor_factory().start(timeout=30),
                    "praetor-pg": praetor_factory(env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": database.url})
                    .start(timeout=30)}
        template = migrated_template(tmp_path)
        servers = {name: PrefectServer(tmp_path / name, template) for name in ("source", "oracle", "onward")}
        for server in servers.values():
            server.wait()
        home = tmp_path / "cli-home"
        home.mkdir()
        urls = {name: s.api_url for name, s in servers.items()} | {name: p.api_url for name, p in praetors.items()}
        (home / "profiles.toml").write_text("".join(
            f'[profiles.{name}]\nPREFECT_API_URL = "{url}"\n\n' for name, url in urls.items()))

        dataset(home, "fill", api_url=urls["source"])
        # Prefect → Prefect (the oracle) and Prefect → Praetor on each database, side by side.
        targets = ["oracle", *praetors]
        running = {t: start_transfer(home, "source", t) for t in targets}
        outcomes = {t: outcomes_of(home, "source", t, running[t]) for t in targets}
        # Praetor → Prefect.
        outcomes["onward"] = outcomes_of(home, "praetor-pg", "onward", start_transfer(home, "praetor-pg", "onward"))
        reads = json.loads(dataset(home, "read", *urls.values()))
        got = {name: reads[url] for name, url in urls.items()}
        for name, held in got.items():
            (tmp_path / f"{name}.json").write_text(json.dumps(held, indent=1, sort_keys=True))

        filled, oracle, to_oracle = got["source"], got["oracle"], outcomes["oracle"]
        limits = {limit["name"] for limit in filled["global_limits"]}
        assert {f"transfer-limit-{i}" for i in range(10)} | {"transfer-limit", "tag:transfer-tag"} <= limits, limits
        assert len(filled["automations"]) == 3 and len(filled["deployments"]) == 3, filled
        assert {d["name"] for d in oracle["deployments"]} == {"nightly", "weekly"}  # see the module's notes
        installed = installed_by_prefect(to_oracle)
        assert installed == {"secret", "webhook", "slack-webhook"}, to_oracle
        behind = left_behind(installed, filled)

        # Prefect → Praetor: the same outcome for every resource, but for the block types
        # Prefect's target already had, which Praetor receives with what depends on them.
        for name in praetors:
            to_praetor = outcomes[name]
            for resource, outcome in to_oracle.items():
                want = "Success" if resource.removeprefix("block-type/") in installed else outcome
                if resource == "block-schema/*":
                    want = sorted(outcome + ["Success"] * behind["schemas"])
                assert to_praetor.get(resource) == want, (name, resource, to_praetor.get(resource), outcome)
            assert set(to_praetor) - set(to_oracle) == behind["resources"], (name, to_praetor, behind)
            assert differences(without(got[name], installed), oracle) == [], name
            # Those documents arrive as the source holds them, secrets and all (their types
            # with only a name and a slug: the command sends no more).
            arrived = {(d["block_type"]["slug"], d["name"]): d["data"] for d in got[name]["block_documents"]}
            for document in behind["documents"]:
                assert arrived.get((document["block_type"]["slug"], document["name"])) == document["data"], document

        # Praetor → Prefect: the third Prefect server receives what the oracle received, a
        # deployment's schedules in the opposite order (each hop reverses them: they are
        # read newest first and created in that order).
        assert outcomes["onward"] == to_oracle
        two_hops = dict(oracle, deployments=[dict(d, schedules=d["schedules"][::-1]) for d in oracle["deployments"]])
        assert differences(got["onward"], two_hops) == []
    finally:
        for server in servers.values():
            server.stop()
        database.drop()
