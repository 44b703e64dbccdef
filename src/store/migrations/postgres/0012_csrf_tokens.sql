-- PostgreSQL mirror of sqlite/0012_csrf_tokens.sql (BIGINT for INTEGER).
CREATE TABLE csrf_token (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  client TEXT NOT NULL UNIQUE,
  token TEXT NOT NULL,
  expiration BIGINT NOT NULL
);
CREATE INDEX ix_csrf_token_expiration ON csrf_token(expiration);
