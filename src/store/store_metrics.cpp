#include "store/store_metrics.h"

namespace praetor::store {

const StoreMetrics& store_metrics() {
  auto& r = metrics::default_registry();
  static const StoreMetrics m{
      r.histogram("praetor_store_group_commit_size", "Writes committed together in one SQLite group commit.", {},
                  metrics::exponential_buckets(1, 2, 10))
          .get(),
      r.histogram("praetor_store_group_duration_seconds",
                  "One SQLite group's transaction, BEGIN to COMMIT, its writes included.", {},
                  metrics::latency_buckets())
          .get(),
      r.histogram("praetor_store_commit_duration_seconds", "The COMMIT of a write transaction.", {},
                  metrics::latency_buckets())
          .get(),
      r.histogram("praetor_store_wal_sync_duration_seconds",
                  "The fdatasync of SQLite's WAL that makes committed writes durable before they are acknowledged.",
                  {}, metrics::latency_buckets())
          .get(),
      r.gauge("praetor_store_writer_queue_depth", "Writes queued for SQLite's writer thread.").get(),
      r.gauge("praetor_database_pool_connections", "PostgreSQL pool connections by state.", {"state"}),
      r.gauge("praetor_database_pool_max_connections",
              "PostgreSQL pool bound (PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE + _MAX_OVERFLOW).")
          .get(),
      r.histogram("praetor_database_pool_wait_seconds", "Time a PostgreSQL transaction waited for a pool connection.",
                  {}, metrics::latency_buckets())
          .get(),
  };
  return m;
}

}  // namespace praetor::store
