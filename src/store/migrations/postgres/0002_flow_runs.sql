-- PostgreSQL mirror of sqlite/0002_flow_runs.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Flow runs and their state history. The run row carries a copy of its current state's
-- id/type/name/timestamp for filtering; the full state lives in flow_run_state.
CREATE TABLE flow_run (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  flow_id TEXT NOT NULL REFERENCES flow(id) ON DELETE CASCADE,
  flow_version TEXT,
  deployment_id TEXT,
  deployment_version TEXT,
  work_queue_name TEXT,
  work_queue_id TEXT,
  parent_task_run_id TEXT,
  idempotency_key TEXT,
  state_id TEXT,
  state_type TEXT,
  state_name TEXT,
  state_timestamp BIGINT,
  run_count BIGINT NOT NULL DEFAULT 0,
  expected_start_time BIGINT,
  next_scheduled_start_time BIGINT,
  start_time BIGINT,
  end_time BIGINT,
  total_run_time DOUBLE PRECISION NOT NULL DEFAULT 0,     -- seconds
  auto_scheduled BIGINT NOT NULL DEFAULT 0,
  infrastructure_pid TEXT,
  infrastructure_document_id TEXT,
  parameters TEXT NOT NULL DEFAULT '{}',
  context TEXT NOT NULL DEFAULT '{}',
  empirical_policy TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  job_variables TEXT NOT NULL DEFAULT '{}',
  created_by TEXT,                            -- JSON object or NULL
  parameter_openapi_schema TEXT,
  doc TEXT NOT NULL DEFAULT '{}'              -- other response fields, kept verbatim
);
CREATE UNIQUE INDEX uq_flow_run_flow_id_idempotency_key ON flow_run(flow_id, idempotency_key);
CREATE INDEX ix_flow_run_flow_id ON flow_run(flow_id);
CREATE INDEX ix_flow_run_state_type ON flow_run(state_type);
CREATE INDEX ix_flow_run_expected_start_time ON flow_run(expected_start_time DESC);
CREATE INDEX ix_flow_run_next_scheduled_start_time ON flow_run(next_scheduled_start_time);
CREATE INDEX ix_flow_run_start_time ON flow_run(start_time);
CREATE INDEX ix_flow_run_end_time ON flow_run(end_time DESC);
CREATE INDEX ix_flow_run_parent_task_run_id ON flow_run(parent_task_run_id);
CREATE INDEX ix_flow_run_deployment_id ON flow_run(deployment_id);
CREATE INDEX ix_flow_run_name ON flow_run(name);
CREATE INDEX ix_flow_run_created ON flow_run(created);

CREATE TABLE flow_run_state (
  id TEXT PRIMARY KEY,
  flow_run_id TEXT NOT NULL REFERENCES flow_run(id) ON DELETE CASCADE,
  created BIGINT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  timestamp BIGINT NOT NULL,
  message TEXT,
  state_details TEXT NOT NULL DEFAULT '{}',
  data TEXT                                   -- JSON or NULL, returned verbatim
);
CREATE UNIQUE INDEX uq_flow_run_state_run_timestamp ON flow_run_state(flow_run_id, timestamp);
