-- Conventions for every table: ids are lowercase hyphenated UUID text; timestamps are
-- INTEGER microseconds since the Unix epoch (UTC); JSON documents are TEXT; column names
-- are Prefect's field names, so filters map one to one.
CREATE TABLE flow (
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  name TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  labels TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
CREATE INDEX ix_flow_created ON flow(created);
