#include "store/migrations.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

namespace praetor::store {

namespace {
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

// Whether the version table has the compatible_from column (tables written by binaries
// before rolling-upgrade support lack it).
bool floor_column_exists(Connection& c) {
  auto& st = c.prepare(c.dialect() == Dialect::kPostgres
                           ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                             "AND table_name = 'praetor_schema_version' AND column_name = 'compatible_from'"
                           : "SELECT count(*) FROM pragma_table_info('praetor_schema_version') "
                             "WHERE name = 'compatible_from'");
  st.step();
  bool exists = st.column_int(0) > 0;
  st.reset();
  return exists;
}

// Creates the version table, adds the floor column to an older one, and fills the floor of
// rows an older binary wrote for versions this binary knows.
void ensure_version_table(Connection& c, const std::vector<Migration>& migrations) {
  if (c.dialect() == Dialect::kPostgres) {
    c.exec(
        "CREATE TABLE IF NOT EXISTS praetor_schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
        " compatible_from INTEGER)");
  } else {
    c.exec(
        "CREATE TABLE IF NOT EXISTS praetor_schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
        " compatible_from INTEGER)");
  }
  if (!floor_column_exists(c)) c.exec("ALTER TABLE praetor_schema_version ADD COLUMN compatible_from INTEGER");
  auto& missing = c.prepare("SELECT version FROM praetor_schema_version WHERE compatible_from IS NULL");
  std::vector<int> versions;
  while (missing.step()) versions.push_back(static_cast<int>(missing.column_int(0)));
  missing.reset();
  for (int v : versions) {
    if (v > newest_version(migrations)) continue;
    auto& fill = c.prepare("UPDATE praetor_schema_version SET compatible_from = ?1 WHERE version = ?2");
    fill.bind(1, compatible_floor(migrations, v)).bind(2, v).run();
  }
}

core::Error newer_schema(const SchemaState& found, int known) {
  return core::Error::internal(
      "database schema is at version " + std::to_string(found.version) +
      " but this praetor binary knows only up to version " + std::to_string(known) +
      " and that schema needs a binary of version " + std::to_string(found.compatible_from) +
      " or newer (a contract migration); run a newer praetor or restore the backup taken before the upgrade");
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

const char* begin_statement(Connection& c) { return c.dialect() == Dialect::kPostgres ? "BEGIN" : "BEGIN IMMEDIATE"; }

// The test hook (see migrations.h): sleeps inside the open transaction of `step`.
void test_delay(const std::string& step) {
  const char* raw = std::getenv(kMigrationDelayEnv);
  if (!raw || !*raw) return;
  int ms = std::atoi(raw);
  if (ms <= 0) return;
  spdlog::warn("inside the transaction of {}: sleeping {} ms ({} test hook)", step, ms, kMigrationDelayEnv);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void rollback_quietly(Connection& c) {
  try {
    c.exec("ROLLBACK");
  } catch (const std::exception&) {
  }
}
}  // namespace

int newest_version(const std::vector<Migration>& migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

int compatible_floor(const std::vector<Migration>& migrations, int version) {
  int floor = 0;
  for (const auto& m : migrations) {
    if (m.version <= version && m.contract) floor = m.version;
  }
  return floor;
}

int current_schema_version(Connection& c) {
  if (!version_table_exists(c)) return 0;
  auto& st = c.prepare("SELECT COALESCE(MAX(version), 0) FROM praetor_schema_version");
  st.step();
  int v = static_cast<int>(st.column_int(0));
  st.reset();
  return v;
}

SchemaState read_schema_state(Connection& c) {
  SchemaState s;
  s.version = current_schema_version(c);
  s.compatible_from = s.version;
  if (s.version == 0 || !floor_column_exists(c)) return s;
  auto& st = c.prepare("SELECT compatible_from FROM praetor_schema_version WHERE version = ?1");
  st.bind(1, s.version);
  if (st.step() && !st.is_null(0)) s.compatible_from = static_cast<int>(st.column_int(0));
  st.reset();
  return s;
}

core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations,
                                   const BeforeMigrating& before) {
  int newest = newest_version(migrations);
  MigrationLock lock(c);
  ensure_version_table(c, migrations);
  SchemaState state = read_schema_state(c);
  int version = state.version;
  if (version > newest) {
    if (state.compatible_from > newest) return newer_schema(state, newest);
    spdlog::info(
        "database schema is at version {}, newer than this binary's {}; serving it: every migration since is "
        "expand-only (the schema serves binaries of version {} or newer)",
        version, newest, state.compatible_from);
    return version;
  }
  if (version == newest) {
    spdlog::info("database schema is at version {}; no migration needed", version);
    return version;
  }
  if (before) {
    if (auto st = before(c, version, newest); !st) return st.error();
  }
  spdlog::info("migrating database schema from version {} to {}", version, newest);
  for (const auto& m : migrations) {
    if (m.version <= version) continue;
    try {
      c.exec(begin_statement(c));
      if (current_schema_version(c) >= m.version) {  // another process got there first
        c.exec("COMMIT");
        continue;
      }
      c.exec(m.sql);
      auto& ins = c.prepare("INSERT INTO praetor_schema_version(version, name, compatible_from) VALUES (?1, ?2, ?3)");
      ins.bind(1, m.version).bind(2, m.name).bind(3, compatible_floor(migrations, m.version)).run();
      test_delay("migration " + std::to_string(m.version) + " (" + m.name + ")");
      c.exec("COMMIT");
      spdlog::info("applied migration {} ({})", m.version, m.name);
      version = m.version;
    } catch (const std::exception& e) {
      rollback_quietly(c);
      return core::Error::internal("migration " + m.name + " failed: " + e.what());
    }
  }
  return version;
}

core::Result<int> revert_migrations(Connection& c, const std::vector<Migration>& migrations, int target,
                                    const BeforeMigrating& before) {
  int newest = newest_version(migrations);
  if (target < 0) return core::Error::invalid("cannot downgrade below version 0");
  MigrationLock lock(c);
  ensure_version_table(c, migrations);
  SchemaState state = read_schema_state(c);
  if (state.version > newest) {
    return core::Error::invalid("database schema is at version " + std::to_string(state.version) +
                                " but this praetor binary knows only up to version " + std::to_string(newest) +
                                "; downgrade with the binary that upgraded it");
  }
  if (target >= state.version) {
    spdlog::info("database schema is at version {}; nothing to downgrade to version {}", state.version, target);
    return state.version;
  }
  for (const auto& m : migrations) {
    if (m.version > target && m.version <= state.version && m.down_sql.empty()) {
      return core::Error::invalid("migration " + m.name + " has no down step; cannot downgrade below it");
    }
  }
  if (before) {
    if (auto st = before(c, state.version, target); !st) return st.error();
  }
  spdlog::info("downgrading database schema from version {} to {}", state.version, target);
  int version = state.version;
  for (auto it = migrations.rbegin(); it != migrations.rend(); ++it) {
    const Migration& m = *it;
    if (m.version > version || m.version <= target) continue;
    try {
      c.exec(begin_statement(c));
      if (current_schema_version(c) != m.version) {  // another process moved it meanwhile
        c.exec("ROLLBACK");
        return core::Error::conflict("the schema changed during the downgrade (expected version " +
                                     std::to_string(m.version) + "); run it again");
      }
      c.exec(m.down_sql);
      auto& del = c.prepare("DELETE FROM praetor_schema_version WHERE version = ?1");
      del.bind(1, m.version).run();
      test_delay("the down step of migration " + std::to_string(m.version) + " (" + m.name + ")");
      c.exec("COMMIT");
      spdlog::info("reverted migration {} ({})", m.version, m.name);
      version = m.version - 1;
    } catch (const std::exception& e) {
      rollback_quietly(c);
      return core::Error::internal("down step of migration " + m.name + " failed: " + e.what());
    }
  }
  return current_schema_version(c);
}

core::Result<int> stamp_schema(Connection& c, const std::vector<Migration>& migrations, int target) {
  bool known = target == 0;
  for (const auto& m : migrations) known = known || m.version == target;
  if (!known) {
    return core::Error::invalid("version " + std::to_string(target) + " is not one this binary knows (0.." +
                                std::to_string(newest_version(migrations)) + ")");
  }
  MigrationLock lock(c);
  try {
    ensure_version_table(c, migrations);
    c.exec(begin_statement(c));
    auto& del = c.prepare("DELETE FROM praetor_schema_version WHERE version > ?1");
    del.bind(1, target).run();
    for (const auto& m : migrations) {
      if (m.version > target) break;
      auto& exists = c.prepare("SELECT count(*) FROM praetor_schema_version WHERE version = ?1");
      exists.bind(1, m.version);
      exists.step();
      bool present = exists.column_int(0) > 0;
      exists.reset();
      if (present) continue;
      auto& ins = c.prepare("INSERT INTO praetor_schema_version(version, name, compatible_from) VALUES (?1, ?2, ?3)");
      ins.bind(1, m.version).bind(2, m.name).bind(3, compatible_floor(migrations, m.version)).run();
    }
    c.exec("COMMIT");
  } catch (const std::exception& e) {
    rollback_quietly(c);
    return core::Error::internal(std::string("stamp failed: ") + e.what());
  }
  spdlog::info("stamped database schema as version {}", target);
  return target;
}

core::Result<int> check_schema_current(Connection& c, const std::vector<Migration>& migrations) {
  int newest = newest_version(migrations);
  SchemaState state = read_schema_state(c);
  if (state.version > newest) {
    if (state.compatible_from > newest) return newer_schema(state, newest);
    return state.version;
  }
  if (state.version < newest) {
    return core::Error::unavailable("database schema is at version " + std::to_string(state.version) +
                                    " but this praetor binary needs version " + std::to_string(newest) +
                                    "; run `praetor server database upgrade` (or set "
                                    "PREFECT_SERVER_DATABASE_MIGRATE_ON_START=true)");
  }
  return state.version;
}

}  // namespace praetor::store
