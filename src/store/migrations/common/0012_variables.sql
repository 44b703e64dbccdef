-- Variables (Prefect's Variable): a unique name, a JSON value of any type, tags. Portable
-- SQL for both dialects: BIGINT microsecond timestamps, JSON as TEXT. Expand-only.
CREATE TABLE variable (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  value TEXT,                       -- JSON text of the value (null included)
  tags TEXT NOT NULL DEFAULT '[]'   -- JSON array of strings
);
CREATE INDEX ix_variable_updated ON variable(updated);
