// The database metrics both backends record (docs/metrics.md), registered once in the
// process's registry.
#pragma once

#include "metrics/registry.h"

namespace praetor::store {

struct StoreMetrics {
  // SQLite: writes per group commit.
  metrics::Histogram& group_size;
  // SQLite: one group's transaction, BEGIN to COMMIT, its writes included.
  metrics::Histogram& group_seconds;
  // The COMMIT statement of a write transaction (SQLite: of a group, writing the WAL; PostgreSQL:
  // of one write, its WAL flush included).
  metrics::Histogram& commit_seconds;
  // SQLite: the fdatasync of the WAL that makes committed groups durable (store/wal_syncer.h).
  metrics::Histogram& wal_sync_seconds;
  // SQLite: writes queued for the writer, set at scrape time.
  metrics::Gauge& writer_queue_depth;
  // PostgreSQL: pool connections by state (in_use, idle), set at scrape time, and the
  // pool's bound (pool size + overflow).
  metrics::Family<metrics::Gauge>& pool_connections;
  metrics::Gauge& pool_max;
  // PostgreSQL: how long a transaction waited for a pool connection.
  metrics::Histogram& pool_wait_seconds;
};

const StoreMetrics& store_metrics();

}  // namespace praetor::store
