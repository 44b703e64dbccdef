-- Server configuration kept in the database as key → JSON document (Prefect's configuration
-- table), e.g. "server-default-result-storage" set by PUT /api/admin/storage, so that every
-- replica answers the same. Portable SQL for both dialects. Expand-only: a new table.
CREATE TABLE configuration (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL  -- JSON document
);
