-- Global (v2) concurrency limits, including "tag:<name>" limits, and their slot leases.
CREATE TABLE concurrency_limit_v2 (
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  name TEXT NOT NULL UNIQUE,
  active INTEGER NOT NULL DEFAULT 1,
  "limit" INTEGER NOT NULL,
  active_slots INTEGER NOT NULL DEFAULT 0,
  denied_slots INTEGER NOT NULL DEFAULT 0,
  slot_decay_per_second REAL NOT NULL DEFAULT 0,
  avg_slot_occupancy_seconds REAL NOT NULL DEFAULT 2
);

CREATE TABLE concurrency_lease (
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  expiration INTEGER NOT NULL,
  resource_ids TEXT NOT NULL,               -- JSON array of concurrency_limit_v2 ids
  slots INTEGER NOT NULL,
  metadata TEXT                             -- JSON (holder) or NULL
);
CREATE INDEX ix_concurrency_lease_expiration ON concurrency_lease(expiration);
