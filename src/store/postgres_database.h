// The PostgreSQL database: a bounded pool of libpq connections (Prefect's pool size, overflow
// and timeouts), one transaction per read or write, no writer thread. Reads run in a
// REPEATABLE READ snapshot; writes in READ COMMITTED with the row locks callers take
// (e.g. flow_runs::lock_for_update) and commit before write() returns. Transient failures
// (deadlock, serialization, lost connection) before COMMIT are retried a few times on a
// fresh connection, then reported as kUnavailable. Lost connections are replaced.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/registry.h"
#include "store/database.h"
#include "store/postgres_connection.h"

namespace praetor::store {

// A libpq conninfo string for the URL's parts and the connection timeout.
std::string postgres_conninfo(const config::DatabaseUrl& url, double connect_timeout_seconds);

class PostgresDatabase final : public Database {
 public:
  static core::Result<std::unique_ptr<PostgresDatabase>> open(const config::DatabaseUrl& url,
                                                              const config::DatabaseTuning& tuning);
  ~PostgresDatabase() override { pool_hook_.reset(); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  int schema_version() const override { return schema_version_; }
  std::string describe() const override { return description_; }

 protected:
  core::Status read_impl(const std::function<core::Status(Connection&)>& fn) override;
  core::Status write_impl(const std::function<core::Status(Connection&)>& fn) override;

 private:
  PostgresDatabase(std::string conninfo, std::string description, const config::DatabaseTuning& tuning);
  core::Status run_transaction(const char* begin, const std::function<core::Status(Connection&)>& fn);
  std::unique_ptr<PostgresConnection> acquire();
  void release(std::unique_ptr<PostgresConnection> c);

  std::string conninfo_;
  std::string description_;
  config::DatabaseTuning tuning_;
  int schema_version_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PostgresConnection>> idle_;
  int open_ = 0;  // connections handed out or idle
  metrics::ScrapeHook pool_hook_;  // reads the pool: removed first in the destructor
};

}  // namespace praetor::store
