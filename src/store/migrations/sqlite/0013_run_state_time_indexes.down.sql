-- Reverts 0013_run_state_time_indexes.sql.
CREATE INDEX ix_flow_run_state_type ON flow_run(state_type);
DROP INDEX ix_flow_run_state_type_expected_start_time;
CREATE INDEX ix_task_run_state_type ON task_run(state_type);
DROP INDEX ix_task_run_state_type_start_time;
