"""Import speed (issue 15 part 3): how fast `praetor server database import` copies a large
Prefect database, in rows per second.

    .venv/bin/python bench/import_speed.py --runs 20000 [--source-pg URL] [--target-pg URL]

Prefect's own migrations create the schema (`prefect server database upgrade`, SQLite or
PostgreSQL); the rows are generated inside the database at C speed, shaped as W4's loader
shapes them (w4_loader.py: per flow run one state and ten task runs with one state each).
The import then runs into a fresh Praetor database (SQLite, or PostgreSQL with --target-pg)
and the script prints the rows copied (runs and task runs with their states) per second of
its wall time, and its CPU time (with PostgreSQL, the server's too: the import runs on
its own connections, whose backends the cluster's postmaster reaps when they close). `--source-pg` and `--target-pg`
name a cluster's maintenance database (scripts/pg.sh start prints one); scratch databases
are made on it and dropped."""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import w4_loader

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(ROOT / ".venv/bin/prefect")
PRAETOR = os.environ.get("PRAETOR_BINARY", str(ROOT / "build/release/src/cli/praetor"))

# The PostgreSQL twin of w4_loader.load_prefect: the same rows for flow runs [0, runs).
PG_ID = "('{tag}-0000-7000-8000-' || lpad(to_hex({n}::bigint), 12, '0'))::uuid"
PG_LOAD = [
    "SET session_replication_role = replica",  # the runs and their states point at each other
    "INSERT INTO flow (id, created, updated, name, tags, labels) SELECT " + PG_ID.format(tag="00000000", n="f")
    + ", now(), now(), 'bench-w4-flow-' || f, '[]', '{{}}' FROM generate_series(0, 19) f",
    "INSERT INTO flow_run_state (id, created, updated, type, timestamp, name, state_details, flow_run_id) SELECT "
    + PG_ID.format(tag="00000002", n="i") + ", t + interval '60 s', t + interval '60 s', "
    "(CASE WHEN i % 20 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)::state_type, t + interval '60 s', "
    "CASE WHEN i % 20 = 0 THEN 'Failed' ELSE 'Completed' END, '{{}}', " + PG_ID.format(tag="00000001", n="i")
    + " FROM (SELECT i, now() - i * interval '2.5 s' AS t FROM generate_series(0, {runs} - 1) i) s",
    "INSERT INTO flow_run (id, created, updated, name, state_type, run_count, expected_start_time, start_time, "
    "end_time, total_run_time, parameters, context, empirical_policy, tags, auto_scheduled, flow_id, state_id, "
    "state_name, state_timestamp, job_variables, labels) SELECT " + PG_ID.format(tag="00000001", n="i")
    + ", t, t, 'bench-run-' || to_hex(i), (CASE WHEN i % 20 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)::state_type, "
    "1, t, t, t + interval '60 s', interval '60 s', '{{}}', '{{}}', '{{}}', '[]', false, "
    + PG_ID.format(tag="00000000", n="i % 20") + ", " + PG_ID.format(tag="00000002", n="i")
    + ", CASE WHEN i % 20 = 0 THEN 'Failed' ELSE 'Completed' END, t + interval '60 s', '{{}}', '{{}}' "
    "FROM (SELECT i, now() - i * interval '2.5 s' AS t FROM generate_series(0, {runs} - 1) i) s",
    "INSERT INTO task_run_state (id, created, updated, type, timestamp, name, state_details, task_run_id) SELECT "
    + PG_ID.format(tag="00000004", n="j") + ", t + interval '1 s', t + interval '1 s', "
    "(CASE WHEN j % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)::state_type, t + interval '1 s', "
    "CASE WHEN j % 50 = 0 THEN 'Failed' ELSE 'Completed' END, '{{}}', " + PG_ID.format(tag="00000003", n="j")
    + " FROM (SELECT j, now() - (j / 10) * interval '2.5 s' + (j % 10) * interval '1 ms' AS t "
    "FROM generate_series(0, {runs} * 10 - 1) j) s",
    "INSERT INTO task_run (id, created, updated, name, state_type, run_count, expected_start_time, start_time, "
    "end_time, total_run_time, task_key, dynamic_key, empirical_policy, task_inputs, tags, flow_run_id, state_id, "
    "state_name, state_timestamp, flow_run_run_count, labels) SELECT " + PG_ID.format(tag="00000003", n="j")
    + ", t, t, 'bench_task-' || to_hex(j), (CASE WHEN j % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)::state_type, "
    "1, t, t, t + interval '1 s', interval '1 s', 'bench_task-' || (j % 10), '0', '{{}}', '{{}}', '[]', "
    + PG_ID.format(tag="00000001", n="j / 10") + ", " + PG_ID.format(tag="00000004", n="j")
    + ", CASE WHEN j % 50 = 0 THEN 'Failed' ELSE 'Completed' END, t + interval '1 s', 1, '{{}}' "
    "FROM (SELECT j, now() - (j / 10) * interval '2.5 s' + (j % 10) * interval '1 ms' AS t "
    "FROM generate_series(0, {runs} * 10 - 1) j) s",
]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", **extra)
    return env


def scratch_database(cluster: str, name: str) -> str:
    subprocess.run(["psql", cluster, "-qc", f'DROP DATABASE IF EXISTS "{name}"', "-c", f'CREATE DATABASE "{name}"'],
                   check=True, capture_output=True)
    return f"{cluster.rsplit('/', 1)[0]}/{name}"


def drop_database(cluster: str, name: str) -> None:
    subprocess.run(["psql", cluster, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], capture_output=True)


def postgres_cpu_seconds(cluster: str) -> float:
    """The CPU time the cluster's server processes have used: its postmaster's own and that
    of the backends it has reaped (a connection's backend is reaped when it closes), read
    from /proc (the cluster runs on this machine)."""
    data = subprocess.run(["psql", cluster, "-Atc", "SHOW data_directory"], check=True, capture_output=True,
                          text=True).stdout.strip()
    pid = (Path(data) / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def prefect_schema(url: str, home: Path) -> None:
    subprocess.run([PREFECT, "server", "database", "upgrade", "-y"], check=True, capture_output=True,
                   env=clean_env(PREFECT_HOME=str(home), PREFECT_SERVER_DATABASE_CONNECTION_URL=url))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20000, help="flow runs (each with ten task runs)")
    parser.add_argument("--source-pg", help="a PostgreSQL cluster for Prefect's database (else SQLite)")
    parser.add_argument("--target-pg", help="a PostgreSQL cluster for Praetor's database (else SQLite)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="import-speed-"))
    try:
        started = time.monotonic()
        if args.source_pg:
            libpq = scratch_database(args.source_pg, "import_speed_source")
            source = libpq.replace("postgresql://", "postgresql+asyncpg://", 1)
            prefect_schema(source, work / "prefect-home")
            command = ["psql", libpq, "-q", "-v", "ON_ERROR_STOP=1"]
            for sql in PG_LOAD:  # one session: the replication role holds for every statement
                command += ["-c", sql.format(runs=args.runs)]
            loaded = subprocess.run(command, capture_output=True, text=True)
            if loaded.returncode != 0:
                sys.exit(loaded.stderr)
        else:
            db = work / "prefect.db"
            source = f"sqlite+aiosqlite:///{db}"
            prefect_schema(source, work / "prefect-home")
            indexes = w4_loader.begin_bulk(db)
            w4_loader.load_prefect(db, 0, args.runs, time.time())
            w4_loader.end_bulk(db, indexes)
        print(f"source: {args.runs} flow runs, {args.runs * 10} task runs, each with one state "
              f"({'PostgreSQL' if args.source_pg else 'SQLite'}), made in {time.monotonic() - started:.1f} s")
        env = clean_env(PREFECT_HOME=str(work / "praetor-home"))
        if args.target_pg:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = scratch_database(args.target_pg, "import_speed_target")
        clusters = sorted({c for c in (args.source_pg, args.target_pg) if c})
        pg_before = sum(postgres_cpu_seconds(c) for c in clusters)
        started = time.monotonic()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([PRAETOR, "server", "database", "import", "--from", source], env=env,
                             capture_output=True, text=True)
        seconds = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        pg_cpu = sum(postgres_cpu_seconds(c) for c in clusters) - pg_before
        if out.returncode != 0:
            sys.exit(out.stdout + out.stderr)
        copied = {m.group(1): int(m.group(2)) for m in
                  re.finditer(r"^(flow_run|task_run)\s+\d+\s+(\d+)", out.stdout, re.MULTILINE)}
        rows = 2 * (copied["flow_run"] + copied["task_run"])  # each with its one state
        print(f"import into {'PostgreSQL' if args.target_pg else 'SQLite'}: {copied['flow_run']} flow runs and "
              f"{copied['task_run']} task runs with their states ({rows} rows) in {seconds:.1f} s: "
              f"{rows / seconds:,.0f} rows/s (the import's own CPU time {cpu:.1f} s: {rows / cpu:,.0f} rows per CPU "
              f"second" + (f"; PostgreSQL's CPU time {pg_cpu:.1f} s, {rows / (cpu + pg_cpu):,.0f} rows per CPU second of "
                           "both" if clusters else "") + f"; the machine's load average was {os.getloadavg()[0]:.1f})")
    finally:
        if args.source_pg:
            drop_database(args.source_pg, "import_speed_source")
        if args.target_pg:
            drop_database(args.target_pg, "import_speed_target")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
