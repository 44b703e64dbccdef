-- Reverts 0003_task_runs (the tables' indexes go with them).
DROP TABLE task_run_state;
DROP TABLE task_run;
