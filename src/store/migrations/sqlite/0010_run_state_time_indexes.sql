-- The dashboard's reads filter runs by state type and a time window (flow runs by expected
-- start time, task runs by start time); one composite index per table answers both parts,
-- covering for counts. Expand-only: the single-column state_type indexes stay.
CREATE INDEX ix_flow_run_state_type_expected_start_time ON flow_run(state_type, expected_start_time);
CREATE INDEX ix_task_run_state_type_start_time ON task_run(state_type, start_time);
