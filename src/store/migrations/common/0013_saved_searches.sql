-- Saved searches (Prefect's SavedSearch): a unique name and a JSON list of UI filters.
-- Portable SQL for both dialects. Expand-only.
CREATE TABLE saved_search (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  filters TEXT NOT NULL DEFAULT '[]'  -- JSON list of {object, property, type, operation, value}
);
