-- Background task runs waiting for a task worker (Prefect's in-memory TaskQueue, kept here so
-- that every replica serves one queue and a run is delivered once): a row per deferred task
-- run entered into a Scheduled state, claimed by the subscriber it is sent to and removed when
-- that worker acknowledges it. `retry` rows (AwaitingRetry, or sent and not acknowledged) go
-- first, as Prefect's retry queue. And the task workers connected to any replica, for
-- POST /task_workers/filter. Portable SQL: BIGINT microsecond timestamps, TEXT JSON.
-- Expand-only: new tables.
CREATE TABLE task_run_queue (
  task_run_id TEXT PRIMARY KEY,
  task_key TEXT NOT NULL,
  retry INTEGER NOT NULL,
  enqueued BIGINT NOT NULL,
  claimed_by TEXT,
  claimed BIGINT
);
CREATE INDEX ix_task_run_queue_task_key ON task_run_queue(task_key, retry, enqueued);
CREATE TABLE task_worker (
  identifier TEXT PRIMARY KEY,
  task_keys TEXT NOT NULL,
  seen BIGINT NOT NULL
);
CREATE INDEX ix_task_worker_seen ON task_worker(seen);
