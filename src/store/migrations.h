// Numbered schema migrations, embedded in the binary (store/migrations/<dialect>/NNNN_name.sql).
// Each is applied in its own transaction together with the version bump, so a crash leaves
// the schema at a consistent version. On PostgreSQL the whole run holds a database-wide
// advisory lock, so replicas starting at once migrate exactly once: the others wait, then
// find nothing to do. A database newer than the binary is refused, naming both versions.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/connection.h"

namespace praetor::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& embedded_migrations(Dialect dialect);
inline const std::vector<Migration>& embedded_sqlite_migrations() { return embedded_migrations(Dialect::kSqlite); }

// The advisory-lock key migrations hold on PostgreSQL.
inline constexpr int64_t kMigrationLockKey = 0x7072616574'6f72;  // "praetor"

// Current schema version of the database (0 when empty).
int current_schema_version(Connection& c);

// Applies every migration above the current version, in order. Returns the resulting version.
core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations);

// Returns the current version if it is exactly the newest of `migrations`; otherwise an
// error naming the version found, the version this binary needs and what to do.
core::Result<int> check_schema_current(Connection& c, const std::vector<Migration>& migrations);

}  // namespace praetor::store
