// Backups taken before the schema changes (a migration, a downgrade, a reset) and by
// `praetor server database backup` (DESIGN.md §5). SQLite: an online backup next to the
// database file (or in PRAETOR_SERVER_DATABASE_BACKUP_DIR). PostgreSQL: the configured dump
// command (default `pg_dump --format=custom` when pg_dump is on PATH) run through /bin/sh
// with the connection in PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE and PRAETOR_DATABASE_URL,
// its stdout written to <backup_dir>/<database>-v<version>-<UTC timestamp>.dump (mode 0600).
// A failed dump is an error that names the command, its exit status and its stderr, and
// the setting that skips backups (PRAETOR_SERVER_DATABASE_BACKUP_ENABLED=false).
#pragma once

#include <string>

#include "config/settings.h"
#include "core/result.h"
#include "store/connection.h"
#include "store/migrations.h"

namespace praetor::store {

// Writes a backup of the database `c` is connected to (at schema `version`); returns the
// file's path.
core::Result<std::string> backup_database(Connection& c, const config::DatabaseUrl& url,
                                          const config::DatabaseTuning& tuning, int version);

// The hook migrations run before their first step: a backup of a non-empty database unless
// backups are disabled, its path logged ("backed up the database … to <path>").
BeforeMigrating backup_before_migrating(const config::DatabaseUrl& url, const config::DatabaseTuning& tuning);

}  // namespace praetor::store
