-- Reverts 0018_observed_state_indexes.sql.
DROP INDEX ix_task_run_state_type_name_timestamp;
DROP INDEX ix_flow_run_state_type_name_timestamp;
