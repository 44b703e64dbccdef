DROP TRIGGER task_run_rollup_flow_run_delete;
DROP TRIGGER task_run_rollup_flow_run_insert;
DROP TRIGGER task_run_rollup_update;
DROP TRIGGER task_run_rollup_delete;
DROP TRIGGER task_run_rollup_insert;
DROP VIEW task_run_rollup_source;
DROP INDEX ix_task_run_rollup_start_minute;
DROP TABLE task_run_rollup;
