#include "store/migrations.h"

#include <spdlog/spdlog.h>

namespace praetor::store {

namespace {
void ensure_version_table(Connection& c) {
  if (c.dialect() == Dialect::kPostgres) {
    c.exec(
        "CREATE TABLE IF NOT EXISTS praetor_schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))");
  } else {
    c.exec(
        "CREATE TABLE IF NOT EXISTS praetor_schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
  }
}

bool version_table_exists(Connection& c) {
  auto& st = c.prepare(c.dialect() == Dialect::kPostgres
                           ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'praetor_schema_version' "
                             "AND schemaname = current_schema()"
                           : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'praetor_schema_version'");
  st.step();
  bool exists = st.column_int(0) > 0;
  st.reset();
  return exists;
}

int newest_of(const std::vector<Migration>& migrations) { return migrations.empty() ? 0 : migrations.back().version; }

core::Error newer_schema(int found, int known) {
  return core::Error::internal("database schema is at version " + std::to_string(found) +
                               " but this praetor binary knows only up to version " + std::to_string(known) +
                               "; run a newer praetor or restore the backup taken before the upgrade");
}

// Holds the PostgreSQL migration lock for its lifetime (a no-op on SQLite, where the
// writer's BEGIN IMMEDIATE serialises migrators).
class MigrationLock {
 public:
  explicit MigrationLock(Connection& c) : c_(c) {
    if (c_.dialect() != Dialect::kPostgres) return;
    c_.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
    held_ = true;
  }
  ~MigrationLock() {
    if (!held_) return;
    try {
      c_.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    } catch (const std::exception&) {
      // The lock is session-scoped: a broken connection has released it already.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  Connection& c_;
  bool held_ = false;
};
}  // namespace

int current_schema_version(Connection& c) {
  if (!version_table_exists(c)) return 0;
  auto& st = c.prepare("SELECT COALESCE(MAX(version), 0) FROM praetor_schema_version");
  st.step();
  int v = static_cast<int>(st.column_int(0));
  st.reset();
  return v;
}

core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations) {
  int newest = newest_of(migrations);
  MigrationLock lock(c);
  ensure_version_table(c);
  int version = current_schema_version(c);
  if (version > newest) return newer_schema(version, newest);
  if (version == newest) {
    spdlog::info("database schema is at version {}; no migration needed", version);
    return version;
  }
  spdlog::info("migrating database schema from version {} to {}", version, newest);
  const char* begin = c.dialect() == Dialect::kPostgres ? "BEGIN" : "BEGIN IMMEDIATE";
  for (const auto& m : migrations) {
    if (m.version <= version) continue;
    try {
      c.exec(begin);
      if (current_schema_version(c) >= m.version) {  // another process got there first
        c.exec("COMMIT");
        continue;
      }
      c.exec(m.sql);
      auto& ins = c.prepare("INSERT INTO praetor_schema_version(version, name) VALUES (?1, ?2)");
      ins.bind(1, m.version).bind(2, m.name).run();
      c.exec("COMMIT");
      spdlog::info("applied migration {} ({})", m.version, m.name);
      version = m.version;
    } catch (const std::exception& e) {
      try {
        c.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
      return core::Error::internal("migration " + m.name + " failed: " + e.what());
    }
  }
  return version;
}

core::Result<int> check_schema_current(Connection& c, const std::vector<Migration>& migrations) {
  int newest = newest_of(migrations);
  int version = current_schema_version(c);
  if (version > newest) return newer_schema(version, newest);
  if (version < newest) {
    return core::Error::unavailable("database schema is at version " + std::to_string(version) +
                                    " but this praetor binary needs version " + std::to_string(newest) +
                                    "; run `praetor server database upgrade` (or set "
                                    "PREFECT_SERVER_DATABASE_MIGRATE_ON_START=true)");
  }
  return version;
}

}  // namespace praetor::store
