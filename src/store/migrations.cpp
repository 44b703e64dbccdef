#include "store/migrations.h"

#include <spdlog/spdlog.h>

namespace praetor::store {

namespace {
void ensure_version_table(Connection& c) {
  c.exec(
      "CREATE TABLE IF NOT EXISTS praetor_schema_version ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
}
}  // namespace

int current_schema_version(Connection& c) {
  ensure_version_table(c);
  auto& st = c.prepare("SELECT COALESCE(MAX(version), 0) FROM praetor_schema_version");
  st.step();
  int v = static_cast<int>(st.column_int(0));
  st.reset();
  return v;
}

core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations) {
  int version = current_schema_version(c);
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return core::Error::internal("database schema is at version " + std::to_string(version) +
                                 " but this praetor binary knows only up to version " + std::to_string(newest) +
                                 "; run a newer praetor or restore the backup taken before the upgrade");
  }
  for (const auto& m : migrations) {
    if (m.version <= version) continue;
    try {
      c.exec("BEGIN IMMEDIATE");
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

}  // namespace praetor::store
