-- Flows: one row per flow name (get-or-create by name).
CREATE TABLE flow (
  id TEXT PRIMARY KEY,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  labels TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
CREATE INDEX ix_flow_created ON flow(created);
