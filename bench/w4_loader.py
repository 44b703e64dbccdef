"""Fills a server's SQLite database with generated flow runs and task runs for W4, straight
into the tables the server's own migrations created (the server is started once on an empty
directory and stopped first). Each insert is one INSERT … SELECT over a recursive counter,
so the rows are made inside SQLite at C speed.

Bulk loading at 1M flow runs / 10M task runs: `begin_bulk` drops the secondary indexes of
the four run tables and Praetor's task-run rollup triggers (remembering their SQL) and turns
the journal off; chunks then append to bare tables; `end_bulk` recreates every index (one
sort per index instead of 10M random B-tree inserts), recomputes the rollup from the rows,
restores its triggers and returns the database to WAL mode, as the server left it. The rows,
indexes and rollup a server finds are the same as if it had written them itself.

Rows for flow run i (0-based, within [start, end)):
  - flow run: flow i % 20, expected/start time = BASE - 2.5 s · i (so 1M runs span ~29 days),
    one state row; type by i % 20: 0 FAILED, 1 CRASHED, 2 CANCELLED, else COMPLETED.
  - 10 task runs j = 10·i + k with one state row each; FAILED when j % 50 == 0, else COMPLETED.
Ids are fixed-prefix uuid-shaped counters (table tag + number), unique across chunks.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

FLOWS = 20
SPACING_SECONDS = 2.5
TASKS_PER_RUN = 10

FLOW_ID = "printf('00000000-0000-7000-8000-%012x', {n})"
RUN_ID = "printf('00000001-0000-7000-8000-%012x', {n})"
RUN_STATE_ID = "printf('00000002-0000-7000-8000-%012x', {n})"
TASK_ID = "printf('00000003-0000-7000-8000-%012x', {n})"
TASK_STATE_ID = "printf('00000004-0000-7000-8000-%012x', {n})"
RUN_TYPE = ("(CASE i % 20 WHEN 0 THEN 'FAILED' WHEN 1 THEN 'CRASHED' WHEN 2 THEN 'CANCELLED' "
            "ELSE 'COMPLETED' END)")
RUN_NAME = "(CASE i % 20 WHEN 0 THEN 'Failed' WHEN 1 THEN 'Crashed' WHEN 2 THEN 'Cancelled' ELSE 'Completed' END)"
TASK_TYPE = "(CASE WHEN j % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)"
TASK_NAME = "(CASE WHEN j % 50 = 0 THEN 'Failed' ELSE 'Completed' END)"
RUN_SEQ = "WITH RECURSIVE seq(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2) "
TASK_SEQ = "WITH RECURSIVE seq(j) AS (SELECT ?1 * 10 UNION ALL SELECT j + 1 FROM seq WHERE j + 1 < ?2 * 10) "


def run_id(n: int) -> str:
    """The id RUN_ID gives flow run n."""
    return f"00000001-0000-7000-8000-{n:012x}"


RUN_TABLES = ("flow_run", "flow_run_state", "task_run", "task_run_state")


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB: also the sorter's memory for CREATE INDEX
    conn.execute("PRAGMA temp_store = FILE")
    conn.execute("PRAGMA threads = 2")  # CREATE INDEX sorts with a helper thread
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def begin_bulk(db: Path) -> list[str]:
    """Drops the run tables' secondary indexes (not the primary keys' automatic ones) and
    triggers (Praetor's task-run rollup, migration 0024: kept per row, a trigger on flow_run
    would probe task_run's dropped flow_run_id index for every run) and leaves WAL for no
    journal; returns the CREATE statements for `end_bulk`, indexes first."""
    conn = _connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    marks = ",".join("?" * len(RUN_TABLES))
    objects = conn.execute(f"SELECT type, name, sql FROM sqlite_master WHERE (type = 'index' OR (type = 'trigger' "
                           f"AND name LIKE 'task_run_rollup%')) AND sql IS NOT NULL AND tbl_name IN ({marks}) "
                           f"ORDER BY type, name", RUN_TABLES).fetchall()
    for kind, name, _ in objects:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.close()
    return [sql for _, _, sql in objects]


def end_bulk(db: Path, create_sql: list[str]) -> None:
    """Recreates the indexes `begin_bulk` dropped, recomputes the task-run rollup from the rows
    (its view, when the schema has one) before its triggers come back, and returns the
    database to WAL mode."""
    conn = _connect(db)
    conn.execute("PRAGMA journal_mode = OFF")
    triggers = [sql for sql in create_sql if sql.lstrip().upper().startswith("CREATE TRIGGER")]
    for sql in create_sql:
        if sql not in triggers:
            conn.execute(sql)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'task_run_rollup_source'").fetchone():
        conn.execute("BEGIN")
        conn.execute("DELETE FROM task_run_rollup")
        conn.execute("INSERT INTO task_run_rollup SELECT * FROM task_run_rollup_source")
        conn.execute("COMMIT")
    for sql in triggers:
        conn.execute(sql)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def load_praetor(db: Path, start: int, end: int, base_seconds: float) -> None:
    """Praetor's schema: timestamps are INTEGER microseconds, JSON is TEXT."""
    base = int(base_seconds * 1e6)
    step = int(SPACING_SECONDS * 1e6)
    t_run = f"({base} - i * {step})"
    t_task = f"({base} - (j / 10) * {step} + (j % 10) * 1000)"
    conn = _connect(db)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("BEGIN")
    if start == 0:
        conn.executemany("INSERT OR IGNORE INTO flow (id, created, updated, name) VALUES (?, ?, ?, ?)",
                         [(f"00000000-0000-7000-8000-{f:012x}", base, base, f"bench-w4-flow-{f}") for f in range(FLOWS)])
    conn.execute(
        RUN_SEQ + "INSERT INTO flow_run_state (id, flow_run_id, created, type, name, timestamp) "
        f"SELECT {RUN_STATE_ID.format(n='i')}, {RUN_ID.format(n='i')}, {t_run} + 60000000, {RUN_TYPE}, {RUN_NAME}, "
        f"{t_run} + 60000000 FROM seq", (start, end))
    conn.execute(
        RUN_SEQ + "INSERT INTO flow_run (id, created, updated, name, flow_id, state_id, state_type, state_name, "
        "state_timestamp, run_count, expected_start_time, start_time, end_time, total_run_time) "
        f"SELECT {RUN_ID.format(n='i')}, {t_run}, {t_run}, printf('bench-run-%x', i), {FLOW_ID.format(n='i % 20')}, "
        f"{RUN_STATE_ID.format(n='i')}, {RUN_TYPE}, {RUN_NAME}, {t_run} + 60000000, 1, {t_run}, {t_run}, "
        f"{t_run} + 60000000, 60.0 FROM seq", (start, end))
    conn.execute(
        TASK_SEQ + "INSERT INTO task_run_state (id, task_run_id, created, type, name, timestamp) "
        f"SELECT {TASK_STATE_ID.format(n='j')}, {TASK_ID.format(n='j')}, {t_task} + 1000000, {TASK_TYPE}, "
        f"{TASK_NAME}, {t_task} + 1000000 FROM seq", (start, end))
    conn.execute(
        TASK_SEQ + "INSERT INTO task_run (id, created, updated, name, flow_run_id, task_key, dynamic_key, state_id, "
        "state_type, state_name, state_timestamp, run_count, flow_run_run_count, expected_start_time, start_time, "
        "end_time, total_run_time) "
        f"SELECT {TASK_ID.format(n='j')}, {t_task}, {t_task}, printf('bench_task-%x', j), {RUN_ID.format(n='j / 10')}, "
        f"'bench_task-' || (j % 10), '0', {TASK_STATE_ID.format(n='j')}, {TASK_TYPE}, {TASK_NAME}, {t_task} + 1000000, "
        f"1, 1, {t_task}, {t_task}, {t_task} + 1000000, 1.0 FROM seq", (start, end))
    conn.execute("COMMIT")
    conn.close()


def _prefect_time(expr_seconds: str) -> str:
    # Prefect's SQLite timestamps are naive UTC text with microseconds: "2026-01-02 03:04:05.123000".
    return f"(strftime('%Y-%m-%d %H:%M:%f', {expr_seconds}, 'unixepoch') || '000')"


def load_prefect(db: Path, start: int, end: int, base_seconds: float) -> None:
    """Prefect's schema (orm_models.py): naive UTC text timestamps, intervals as
    1970-01-01-based datetimes, CHAR(36) ids, JSON text."""
    t_run = f"({base_seconds} - i * {SPACING_SECONDS})"
    t_task = f"({base_seconds} - (j / 10) * {SPACING_SECONDS} + (j % 10) * 0.001)"
    run_ts, run_end = _prefect_time(t_run), _prefect_time(f"{t_run} + 60")
    task_ts, task_end = _prefect_time(t_task), _prefect_time(f"{t_task} + 1")
    conn = _connect(db)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("BEGIN")
    if start == 0:
        stamp = sqlite3.connect(":memory:").execute(f"SELECT {_prefect_time(str(base_seconds))}").fetchone()[0]
        conn.executemany("INSERT OR IGNORE INTO flow (id, created, updated, name, tags, labels) "
                         "VALUES (?, ?, ?, ?, '[]', '{}')",
                         [(f"00000000-0000-7000-8000-{f:012x}", stamp, stamp, f"bench-w4-flow-{f}") for f in range(FLOWS)])
    conn.execute(
        RUN_SEQ + "INSERT INTO flow_run_state (id, created, updated, type, timestamp, name, state_details, "
        f"flow_run_id) SELECT {RUN_STATE_ID.format(n='i')}, {run_end}, {run_end}, {RUN_TYPE}, {run_end}, {RUN_NAME}, "
        f"'{{}}', {RUN_ID.format(n='i')} FROM seq", (start, end))
    conn.execute(
        RUN_SEQ + "INSERT INTO flow_run (id, created, updated, name, state_type, run_count, expected_start_time, "
        "start_time, end_time, total_run_time, parameters, context, empirical_policy, tags, auto_scheduled, flow_id, "
        "state_id, state_name, state_timestamp, job_variables, labels) "
        f"SELECT {RUN_ID.format(n='i')}, {run_ts}, {run_ts}, printf('bench-run-%x', i), {RUN_TYPE}, 1, {run_ts}, "
        f"{run_ts}, {run_end}, '1970-01-01 00:01:00.000000', '{{}}', '{{}}', '{{}}', '[]', 0, "
        f"{FLOW_ID.format(n='i % 20')}, {RUN_STATE_ID.format(n='i')}, {RUN_NAME}, {run_end}, '{{}}', '{{}}' FROM seq",
        (start, end))
    conn.execute(
        TASK_SEQ + "INSERT INTO task_run_state (id, created, updated, type, timestamp, name, state_details, "
        f"task_run_id) SELECT {TASK_STATE_ID.format(n='j')}, {task_end}, {task_end}, {TASK_TYPE}, {task_end}, "
        f"{TASK_NAME}, '{{}}', {TASK_ID.format(n='j')} FROM seq", (start, end))
    conn.execute(
        TASK_SEQ + "INSERT INTO task_run (id, created, updated, name, state_type, run_count, expected_start_time, "
        "start_time, end_time, total_run_time, task_key, dynamic_key, empirical_policy, task_inputs, tags, "
        "flow_run_id, state_id, state_name, state_timestamp, flow_run_run_count, labels) "
        f"SELECT {TASK_ID.format(n='j')}, {task_ts}, {task_ts}, printf('bench_task-%x', j), {TASK_TYPE}, 1, "
        f"{task_ts}, {task_ts}, {task_end}, '1970-01-01 00:00:01.000000', 'bench_task-' || (j % 10), '0', '{{}}', "
        f"'{{}}', '[]', {RUN_ID.format(n='j / 10')}, {TASK_STATE_ID.format(n='j')}, {TASK_NAME}, {task_end}, 1, "
        "'{}' FROM seq", (start, end))
    conn.execute("COMMIT")
    conn.close()


LOADERS = {"praetor": load_praetor, "prefect": load_prefect}
