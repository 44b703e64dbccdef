-- The task-run rollup's table and indexes (sqlite/0024_task_run_rollup.sql keeps and reads
-- them). On PostgreSQL the table stays empty and is never read: kept by triggers, a cell updated
-- by every concurrent task-run write would serialize those writes; PostgreSQL keeps its current
-- plans. Present on both so that both dialects have one schema. Expand-only: a new table.
CREATE TABLE task_run_rollup (
  expected_minute BIGINT NOT NULL,  -- floor(expected_start_time / 1 min); -9223372036854775807 when none
  start_minute BIGINT NOT NULL,     -- floor(start_time / 1 min); -9223372036854775807 when none
  state_type TEXT NOT NULL,         -- '' when none
  state_name TEXT NOT NULL,         -- '' when none
  flow_run_minute BIGINT NOT NULL,  -- its flow run's expected_minute; -9223372036854775806 when that flow run is not stored
  runs BIGINT NOT NULL,
  run_time DOUBLE PRECISION NOT NULL,  -- Σ max(0, total_run_time), seconds
  lateness DOUBLE PRECISION NOT NULL,  -- Σ max(0, start_time − expected_start_time), seconds
  PRIMARY KEY (expected_minute, start_minute, state_type, state_name, flow_run_minute)
);
-- Counts by start-time window (the runs page's and the dashboard's task-run counts) and by
-- flow-run window (the runs page's task-run tab).
CREATE INDEX ix_task_run_rollup_start_minute ON task_run_rollup(start_minute);
CREATE INDEX ix_task_run_rollup_flow_run_minute ON task_run_rollup(flow_run_minute, expected_minute);
