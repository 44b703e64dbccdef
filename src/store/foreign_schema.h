// Recognises a database that is not Praetor's before anything is written to it: Prefect's
// own (its alembic_version table beside tables such as flow and flow_run) or any other
// schema holding tables Praetor did not create. Praetor refuses such a database rather than
// adding its version table and failing half-way through its first migration; the refusal
// names what was found and the command that copies Prefect's data into a database of
// Praetor's own (`praetor server database import`, docs/importing.md).
//
// A database whose praetor_schema_version records a version is Praetor's whatever else it
// holds (tables a newer binary or an operator added are left alone). One without a recorded
// version is foreign as soon as it holds a table that no embedded migration creates. On
// PostgreSQL only the schema Praetor would write to is looked at (current_schema(): the
// first existing schema of search_path), so Prefect in `public` and Praetor in a schema of
// its own may share a database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/connection.h"

namespace praetor::store {

struct ForeignSchema {
  // Prefect's alembic revision (its alembic_version row) when the schema is Prefect's.
  std::optional<std::string> prefect_revision;
  // The tables no Praetor migration creates, sorted.
  std::vector<std::string> tables;
  // Every table of the schema, Praetor's names included (Prefect's flow, flow_run, …).
  size_t table_count = 0;
};

// What the database `c` is connected to holds that is not Praetor's; nullopt when it is
// empty or Praetor's. Reads only.
std::optional<ForeignSchema> find_foreign_schema(Connection& c);

// Refuses a foreign schema (see above) with an error naming it: what was found in `where`
// (a URL without password, for the message), that nothing was written, and the import
// command. Ok when the database is empty or Praetor's. Reads only.
core::Status refuse_foreign_schema(Connection& c, const std::string& where);

// The same check for a SQLite file, made before Praetor's own connection opens it (that one
// sets the journal mode, which rewrites a foreign file's header): a missing or empty file
// passes; otherwise the file is opened read-only without any pragma (immutable when no WAL
// file is beside it, so not even SQLite's -wal and -shm files are created) and inspected.
core::Status refuse_foreign_sqlite_file(const std::string& path);

// Whether the SQLite file at `path` holds no table (missing and empty files included). Reads only.
bool sqlite_file_has_no_tables(const std::string& path);

// Tables the embedded migrations of `dialect` create, the version table included.
const std::vector<std::string>& praetor_tables(Dialect dialect);

}  // namespace praetor::store
