// Numbered schema migrations, embedded in the binary (store/migrations/<dialect>/NNNN_name.sql).
// Each is applied in its own transaction together with the version bump, so a crash leaves
// the schema at a consistent version. A database newer than the binary is refused.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_connection.h"

namespace praetor::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& embedded_sqlite_migrations();

// Current schema version of the database (0 when empty).
int current_schema_version(Connection& c);

// Applies every migration above the current version, in order. Returns the resulting version.
core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations);

}  // namespace praetor::store
