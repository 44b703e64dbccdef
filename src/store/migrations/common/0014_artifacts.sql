-- Artifacts (Prefect's Artifact) and the latest artifact per key (ArtifactCollection).
-- Portable SQL for both dialects. Expand-only.
CREATE TABLE artifact (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  key TEXT,
  type TEXT,
  description TEXT,
  data TEXT,         -- JSON text of the data (any type)
  metadata_ TEXT,    -- JSON object of strings, or NULL
  flow_run_id TEXT,
  task_run_id TEXT
);
CREATE INDEX ix_artifact_key_created ON artifact(key, created);
CREATE INDEX ix_artifact_flow_run_id ON artifact(flow_run_id);
CREATE INDEX ix_artifact_task_run_id ON artifact(task_run_id);

CREATE TABLE artifact_collection (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  latest_id TEXT NOT NULL,
  type TEXT,
  description TEXT,
  data TEXT,
  metadata_ TEXT,
  flow_run_id TEXT,
  task_run_id TEXT
);
CREATE INDEX ix_artifact_collection_latest_id ON artifact_collection(latest_id);
