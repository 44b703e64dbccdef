"""`prefect deploy` from a prefect.yaml in a temporary project, then a process worker runs
the deployment. Holds against Praetor and against Prefect's own server."""

import os
import subprocess
import sys
import textwrap
import uuid

from prefect.client.orchestration import get_client

from scenarios import run, wait_for


def test_prefect_deploy_from_a_project_yaml_then_a_worker_runs_it(tmp_path, prefect_cli):
    pool = f"yaml-{uuid.uuid4().hex[:6]}"
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows.py").write_text(textwrap.dedent(
        """
        from pathlib import Path

        from prefect import flow

        @flow
        def greet(who: str = "world", times: int = 1):
            # A relative path: the pull step set the working directory to the project.
            Path("greeting.txt").write_text(f"hello {who} x{times}")
            return who
        """
    ))
    (project / "prefect.yaml").write_text(textwrap.dedent(
        f"""
        name: yaml-project
        prefect-version: 3.9.1

        build: null
        push: null
        pull:
        - prefect.deployments.steps.set_working_directory:
            directory: {project}

        deployments:
        - name: from-yaml
          description: deployed from a prefect.yaml
          entrypoint: flows.py:greet
          tags: [yaml]
          parameters:
            who: yaml
            times: 3
          work_pool:
            name: {pool}
            work_queue_name: default
          schedules:
          - cron: "0 4 1 1 *"
            timezone: UTC
            active: true
        """
    ))
    prefect_cli("work-pool", "create", pool, "--type", "process")
    exe = os.path.join(os.path.dirname(sys.executable), "prefect")
    deploy = subprocess.run([exe, "--no-prompt", "deploy", "--all"], cwd=project, env=dict(os.environ, COLUMNS="250"),
                            capture_output=True, text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "greet/from-yaml" in deploy.stdout, deploy.stdout

    async def deployment():
        async with get_client() as client:
            return await client.read_deployment_by_name("greet/from-yaml")

    d = run(deployment())
    assert d.entrypoint == "flows.py:greet"
    assert d.parameters == {"who": "yaml", "times": 3}
    assert d.work_pool_name == pool
    assert d.work_queue_name == "default"
    assert d.description == "deployed from a prefect.yaml"
    assert "yaml" in d.tags
    assert d.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(project)}}
    ]
    assert len(d.schedules) == 1
    assert d.schedules[0].schedule.cron == "0 4 1 1 *"
    assert d.schedules[0].active is True

    out = prefect_cli("deployment", "run", "greet/from-yaml", "--param", "times=5")
    assert "Created flow run" in out.stdout

    async def the_run():
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return next((r for r in runs if r.deployment_id == d.id and not r.auto_scheduled), None)

    fr = run(the_run())
    assert fr is not None and fr.parameters == {"who": "yaml", "times": 5}
    prefect_cli("worker", "start", "--pool", pool, "--type", "process", "--run-once", timeout=180)

    async def state():
        async with get_client() as client:
            return (await client.read_flow_run(fr.id)).state

    final = wait_for(lambda: (s := run(state())) and s.is_final() and s, 60, "a final state")
    assert final.type.value == "COMPLETED", final
    assert (project / "greeting.txt").read_text() == "hello yaml x5"
