-- PostgreSQL mirror of sqlite/0004_logs.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
CREATE TABLE log (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  level BIGINT NOT NULL,
  flow_run_id TEXT,
  task_run_id TEXT,
  worker_id TEXT,
  message TEXT NOT NULL,
  timestamp BIGINT NOT NULL
);
CREATE INDEX ix_log_flow_run_id_timestamp ON log(flow_run_id, timestamp);
CREATE INDEX ix_log_task_run_id ON log(task_run_id);
CREATE INDEX ix_log_timestamp ON log(timestamp);
