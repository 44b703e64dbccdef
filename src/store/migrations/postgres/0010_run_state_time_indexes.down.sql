-- Reverts 0010_run_state_time_indexes.sql.
DROP INDEX ix_flow_run_state_type_expected_start_time;
DROP INDEX ix_task_run_state_type_start_time;
