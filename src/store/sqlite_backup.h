// Online backups of a SQLite database (sqlite3_backup), taken before any migration that
// changes something and by `praetor server database backup`.
#pragma once

#include <string>

#include "core/result.h"
#include "store/sqlite_connection.h"

namespace praetor::store {

// The path a backup of `db_path` at schema `version` taken now gets, next to the database:
// "<db_path>.v<version>-<YYYYmmddTHHMMSSZ>.backup" ("…Z-2.backup" and so on when taken).
std::string sqlite_backup_path(const std::string& db_path, int version);

// Copies the database `source` is connected to into a new file at `target` (a consistent
// snapshot, even while others write). Returns the target path.
core::Result<std::string> backup_sqlite(SqliteConnection& source, const std::string& target);

}  // namespace praetor::store
