DROP INDEX ix_task_run_rollup_start_minute;
DROP TABLE task_run_rollup;
