-- Flow-run inputs (Prefect's FlowRunInput): text values under a key unique per run, gone
-- with their run. Portable SQL for both dialects. Expand-only.
CREATE TABLE flow_run_input (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  flow_run_id TEXT NOT NULL REFERENCES flow_run(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  sender TEXT,
  UNIQUE (flow_run_id, key)
);
