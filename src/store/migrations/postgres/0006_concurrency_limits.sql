-- PostgreSQL mirror of sqlite/0006_concurrency_limits.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Global (v2) concurrency limits, including "tag:<name>" limits, and their slot leases.
CREATE TABLE concurrency_limit_v2 (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  active BIGINT NOT NULL DEFAULT 1,
  "limit" BIGINT NOT NULL,
  active_slots BIGINT NOT NULL DEFAULT 0,
  denied_slots BIGINT NOT NULL DEFAULT 0,
  slot_decay_per_second DOUBLE PRECISION NOT NULL DEFAULT 0,
  avg_slot_occupancy_seconds DOUBLE PRECISION NOT NULL DEFAULT 2
);

CREATE TABLE concurrency_lease (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  expiration BIGINT NOT NULL,
  resource_ids TEXT NOT NULL,               -- JSON array of concurrency_limit_v2 ids
  slots BIGINT NOT NULL,
  metadata TEXT                             -- JSON (holder) or NULL
);
CREATE INDEX ix_concurrency_lease_expiration ON concurrency_lease(expiration);
