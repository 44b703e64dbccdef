-- Reverts 0007_work_pools: its index on flow_run, then its tables (their indexes go with them).
DROP INDEX ix_flow_run_work_queue_id;
DROP TABLE worker;
DROP TABLE work_queue;
DROP TABLE work_pool;
