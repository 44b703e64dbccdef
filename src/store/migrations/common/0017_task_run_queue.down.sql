DROP TABLE task_worker;
DROP TABLE task_run_queue;
