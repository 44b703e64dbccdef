#include "store/postgres_database.h"

#include <chrono>
#include <cmath>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/repeated_log.h"
#include "store/backup.h"
#include "store/foreign_schema.h"
#include "store/migrations.h"
#include "store/store_metrics.h"

namespace praetor::store {

namespace {

// A database outage fails every transaction alike: one line per message per 10 s, with a count.
core::RepeatedLog& repeated_failures() {
  static core::RepeatedLog log;
  return log;
}

constexpr int kAttempts = 3;

std::string quote_conninfo(const std::string& v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}
}  // namespace

std::string postgres_conninfo(const config::DatabaseUrl& url, double connect_timeout_seconds) {
  std::string info = "application_name=praetor client_encoding=UTF8 options='-c TimeZone=UTC'";
  auto add = [&](const char* key, const std::string& v) {
    if (!v.empty()) info += std::string(" ") + key + "=" + quote_conninfo(v);
  };
  add("host", url.host);
  add("port", url.port);
  add("user", url.user);
  add("password", url.password);
  add("dbname", url.name);
  if (connect_timeout_seconds > 0) {
    // libpq takes whole seconds and treats 1 as 2.
    add("connect_timeout", std::to_string(std::max(2L, std::lround(std::ceil(connect_timeout_seconds)))));
  }
  return info;
}

core::Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::open(const config::DatabaseUrl& url,
                                                                       const config::DatabaseTuning& tuning) {
  std::unique_ptr<PostgresDatabase> db(
      new PostgresDatabase(postgres_conninfo(url, tuning.connect_timeout_seconds), url.redacted(), tuning));
  try {
    // Migrations are not bound by the API's statement timeout (Prefect's migration_timeout
    // defaults to none), and waiting for another replica's migration lock may take a while.
    PostgresConnection c(db->conninfo_, 0);
    if (auto st = refuse_foreign_schema(c, url.redacted()); !st) return st.error();
    const auto& migrations = embedded_migrations(Dialect::kPostgres);
    auto version = tuning.migrate_on_start ? apply_migrations(c, migrations, backup_before_migrating(url, tuning))
                                           : check_schema_current(c, migrations);
    if (!version) return version.error();
    db->schema_version_ = *version;
  } catch (const std::exception& e) {
    return core::Error::unavailable(std::string("cannot open database: ") + e.what());
  }
  db->pool_hook_ = metrics::default_registry().on_scrape([raw = db.get()] {
    const StoreMetrics& m = store_metrics();
    std::lock_guard lock(raw->mu_);
    m.pool_connections.labels({"idle"}).set(static_cast<double>(raw->idle_.size()));
    m.pool_connections.labels({"in_use"}).set(static_cast<double>(raw->open_ - static_cast<int>(raw->idle_.size())));
    m.pool_max.set(raw->tuning_.pool_size + raw->tuning_.max_overflow);
  });
  return db;
}

PostgresDatabase::PostgresDatabase(std::string conninfo, std::string description, const config::DatabaseTuning& tuning)
    : conninfo_(std::move(conninfo)), description_(std::move(description)), tuning_(tuning) {}

std::unique_ptr<PostgresConnection> PostgresDatabase::acquire() {
  const int max_open = tuning_.pool_size + tuning_.max_overflow;
  {
    std::unique_lock lock(mu_);
    const auto asked = std::chrono::steady_clock::now();
    struct WaitTimer {
      std::chrono::steady_clock::time_point asked;
      ~WaitTimer() {
        store_metrics().pool_wait_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
      }
    } wait_timer{asked};
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(tuning_.pool_timeout_seconds * 1000));
    while (idle_.empty() && open_ >= max_open) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= max_open) {
        throw DatabaseError(DatabaseError::Kind::kTransient,
                            "timed out waiting for a database connection (pool of " + std::to_string(max_open) + ")");
      }
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  try {
    return std::make_unique<PostgresConnection>(
        conninfo_, static_cast<int64_t>(std::llround(tuning_.statement_timeout_seconds * 1000)));
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void PostgresDatabase::release(std::unique_ptr<PostgresConnection> c) {
  std::lock_guard lock(mu_);
  if (c && c->healthy() && !c->in_failed_transaction() && static_cast<int>(idle_.size()) < tuning_.pool_size) {
    idle_.push_back(std::move(c));
  } else {
    c.reset();  // closes it
    --open_;
  }
  cv_.notify_one();
}

core::Status PostgresDatabase::run_transaction(const char* begin,
                                               const std::function<core::Status(Connection&)>& fn) {
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<PostgresConnection> conn;
    bool committing = false;
    bool acquired = false;  // a pool timeout or a refused connection is not retried
    try {
      conn = acquire();
      acquired = true;
      conn->exec(begin);
      core::Status st = fn(*conn);
      if (!st.ok()) {
        conn->exec("ROLLBACK");
        release(std::move(conn));
        return st;
      }
      committing = true;
      const auto commit_started = std::chrono::steady_clock::now();
      conn->exec("COMMIT");
      if (std::string_view(begin) == "BEGIN") {
        store_metrics().commit_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count());
      }
      release(std::move(conn));
      return st;
    } catch (const std::exception& e) {
      if (conn) {
        if (conn->healthy()) {
          try {
            conn->exec("ROLLBACK");
          } catch (const std::exception&) {
          }
        }
        release(std::move(conn));
      }
      auto* de = dynamic_cast<const DatabaseError*>(&e);
      // Before COMMIT nothing was written, so a transient failure (a stale pooled connection,
      // a deadlock) is retried; after it the outcome is unknown and the client decides
      // (503 is retried by Prefect's client).
      if (de && de->is_busy() && acquired && !committing && attempt < kAttempts) {
        repeated_failures().log(spdlog::level::warn, fmt::format("database transaction failed (attempt {}), retrying: {}", attempt, e.what()));
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
        continue;
      }
      core::Error err = error_from_exception(e);
      if (err.kind != core::ErrorKind::kConflict) {
        repeated_failures().log(spdlog::level::err, fmt::format("database transaction failed: {}", e.what()));
      }
      return err;
    }
  }
}

core::Status PostgresDatabase::read_impl(const std::function<core::Status(Connection&)>& fn) {
  return run_transaction("BEGIN ISOLATION LEVEL REPEATABLE READ", fn);
}

core::Status PostgresDatabase::write_impl(const std::function<core::Status(Connection&)>& fn) {
  return run_transaction("BEGIN", fn);
}

}  // namespace praetor::store
