-- CSRF tokens handed out by /api/csrf-token when PREFECT_SERVER_CSRF_PROTECTION_ENABLED is
-- on (Prefect's csrf_token table): one per client, replaced on each request. In the database
-- so that every replica accepts a token any replica issued. Portable SQL for both dialects:
-- BIGINT microsecond timestamps. Expand-only: a new table.
CREATE TABLE csrf_token (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  client TEXT NOT NULL UNIQUE,
  token TEXT NOT NULL,
  expiration BIGINT NOT NULL
);
CREATE INDEX ix_csrf_token_expiration ON csrf_token(expiration);
