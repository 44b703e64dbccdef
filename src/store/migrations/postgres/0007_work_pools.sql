-- PostgreSQL mirror of sqlite/0007_work_pools.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Work pools, their queues and the workers that poll them (Prefect's WorkPool, WorkQueue,
-- Worker). JSON columns are TEXT; timestamps BIGINT microseconds. A pool's default queue
-- is a plain column (no foreign key: the pool and its queue refer to each other).
CREATE TABLE work_pool (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  type TEXT NOT NULL,
  base_job_template TEXT NOT NULL DEFAULT '{}',   -- kept verbatim
  is_paused BIGINT NOT NULL DEFAULT 0,
  default_queue_id TEXT,
  concurrency_limit BIGINT,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  last_transitioned_status_at BIGINT,
  storage_configuration TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_work_pool_type ON work_pool(type);

CREATE TABLE work_queue (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_paused BIGINT NOT NULL DEFAULT 0,
  concurrency_limit BIGINT,
  priority BIGINT NOT NULL,
  last_polled BIGINT,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  filter TEXT,
  work_pool_id TEXT NOT NULL REFERENCES work_pool(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_work_queue_work_pool_id_name ON work_queue(work_pool_id, name);
CREATE INDEX ix_work_queue_work_pool_id_priority ON work_queue(work_pool_id, priority);

CREATE TABLE worker (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  work_pool_id TEXT NOT NULL REFERENCES work_pool(id) ON DELETE CASCADE,
  last_heartbeat_time BIGINT NOT NULL,
  heartbeat_interval_seconds BIGINT,
  status TEXT NOT NULL DEFAULT 'OFFLINE'
);
CREATE UNIQUE INDEX uq_worker_work_pool_id_name ON worker(work_pool_id, name);
CREATE INDEX ix_worker_work_pool_id_last_heartbeat_time ON worker(work_pool_id, last_heartbeat_time);

CREATE INDEX ix_flow_run_work_queue_id ON flow_run(work_queue_id);
