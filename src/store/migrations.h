// Numbered schema migrations, embedded in the binary: store/migrations/<dialect>/NNNN_name.sql
// (the up step) and NNNN_name.down.sql beside it (the down step). Each step runs in its own
// transaction together with its praetor_schema_version row, so a crash (kill -9 included)
// leaves the schema at a consistent version, and the next run resumes from there. On
// PostgreSQL a whole run holds a database-wide advisory lock, so replicas starting at once
// migrate exactly once: the others wait, then find nothing to do.
//
// Rolling upgrades (expand/contract, DESIGN.md §5): a migration is expand-only unless its
// up step contains the line "-- praetor: contract". Expand-only means additive (new tables,
// nullable columns or columns with defaults, new indexes), so a binary that knows an older
// version keeps working on the newer schema; a lint unit test holds every expand-only
// migration to that. Each praetor_schema_version row records `compatible_from`: the oldest
// binary schema version that can serve the schema at that version (the newest contract
// migration at or below it). A binary whose newest known version is at least the floor of
// the database's version serves it; otherwise it refuses, naming both versions.
//
// Test hook: PRAETOR_TEST_MIGRATION_DELAY_MS=<n> makes every step sleep n ms inside its
// transaction, after its SQL and before its commit, logging "inside the transaction of
// migration N" first, so tests can kill -9 a process provably mid-migration. Harmless when
// unset; never set it in production.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/connection.h"

namespace praetor::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
  std::string down_sql;   // reverts `sql`; empty when the migration has no down step
  bool contract = false;  // false: expand-only, binaries of older versions keep serving
};

const std::vector<Migration>& embedded_migrations(Dialect dialect);
inline const std::vector<Migration>& embedded_sqlite_migrations() { return embedded_migrations(Dialect::kSqlite); }

// The advisory-lock key migrations hold on PostgreSQL.
inline constexpr int64_t kMigrationLockKey = 0x7072616574'6f72;  // "praetor"

// Env variable of the test hook described above.
inline constexpr const char* kMigrationDelayEnv = "PRAETOR_TEST_MIGRATION_DELAY_MS";

// Newest version of `migrations` (0 when empty).
int newest_version(const std::vector<Migration>& migrations);

// The oldest binary schema version that can serve the schema at `version`: the version of
// the newest contract migration at or below it (0 when there is none).
int compatible_floor(const std::vector<Migration>& migrations, int version);

// Current schema version of the database (0 when empty).
int current_schema_version(Connection& c);

// The database's version and the floor its newest row records (its version when unrecorded).
struct SchemaState {
  int version = 0;
  int compatible_from = 0;
};
SchemaState read_schema_state(Connection& c);

// Called under the migration lock just before the first step runs, with the version found
// and the version aimed at (e.g. to take a backup); an error stops the run, nothing changed.
using BeforeMigrating = std::function<core::Status(Connection& c, int from, int to)>;

// Applies every migration above the current version, in order. Returns the resulting
// version; a newer schema this binary may serve (see above) is left as is and its version
// returned; one it may not serve is an error naming both versions.
core::Result<int> apply_migrations(Connection& c, const std::vector<Migration>& migrations,
                                   const BeforeMigrating& before = {});

// Runs the down steps from the current version to `target` (newest first), each in its own
// transaction. Refuses a schema newer than `migrations` or a step without a down step.
core::Result<int> revert_migrations(Connection& c, const std::vector<Migration>& migrations, int target,
                                    const BeforeMigrating& before = {});

// Records the schema as being at `target` without running any step (rows above it removed,
// missing rows at or below it added). `target` must be a version of `migrations` or 0.
core::Result<int> stamp_schema(Connection& c, const std::vector<Migration>& migrations, int target);

// Returns the current version if this binary can serve it without migrating (exactly the
// newest of `migrations`, or newer with a floor it meets); otherwise an error naming the
// version found, the version this binary needs and what to do.
core::Result<int> check_schema_current(Connection& c, const std::vector<Migration>& migrations);

}  // namespace praetor::store
