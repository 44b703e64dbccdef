-- PostgreSQL mirror of sqlite/0003_task_runs.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Task runs (created over REST or by the task-run recorder from client events) and their
-- state history. No foreign key to flow_run: events may name a flow run this server never
-- saw; deleting a flow run deletes its task runs explicitly.
CREATE TABLE task_run (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  flow_run_id TEXT,
  task_key TEXT NOT NULL,
  dynamic_key TEXT NOT NULL,
  cache_key TEXT,
  cache_expiration BIGINT,
  task_version TEXT,
  state_id TEXT,
  state_type TEXT,
  state_name TEXT,
  state_timestamp BIGINT,
  run_count BIGINT NOT NULL DEFAULT 0,
  flow_run_run_count BIGINT NOT NULL DEFAULT 0,
  expected_start_time BIGINT,
  next_scheduled_start_time BIGINT,
  start_time BIGINT,
  end_time BIGINT,
  total_run_time DOUBLE PRECISION NOT NULL DEFAULT 0,
  empirical_policy TEXT NOT NULL DEFAULT '{}',
  task_inputs TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  doc TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX uq_task_run_natural_key ON task_run(flow_run_id, task_key, dynamic_key);
CREATE INDEX ix_task_run_flow_run_id ON task_run(flow_run_id);
CREATE INDEX ix_task_run_state_type ON task_run(state_type);
CREATE INDEX ix_task_run_expected_start_time ON task_run(expected_start_time DESC);
CREATE INDEX ix_task_run_start_time ON task_run(start_time);
CREATE INDEX ix_task_run_name ON task_run(name);

CREATE TABLE task_run_state (
  id TEXT PRIMARY KEY,
  task_run_id TEXT NOT NULL REFERENCES task_run(id) ON DELETE CASCADE,
  created BIGINT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  timestamp BIGINT NOT NULL,
  message TEXT,
  state_details TEXT NOT NULL DEFAULT '{}',
  data TEXT
);
CREATE INDEX ix_task_run_state_run_timestamp ON task_run_state(task_run_id, timestamp);
