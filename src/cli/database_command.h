// `praetor server database current|history|upgrade|downgrade|reset|stamp|backup`, as
// `prefect server database` does: the database is the one PREFECT_SERVER_DATABASE_* names.
// Output goes to stdout, logs to stderr.
//
// upgrade, downgrade and reset change the schema: without -y they ask on a terminal and
// refuse (exit 1, asking for -y) when stdin is not one; --dry-run prints the SQL instead
// (no confirmation needed). Each takes a backup of a non-empty database first
// (store/backup.h) and prints where it is.
#pragma once

#include <optional>
#include <string>

namespace praetor::cli {

struct DatabaseCommandOptions {
  bool yes = false;                     // -y/--yes: no confirmation prompt
  bool dry_run = false;                 // --dry-run: print the SQL instead of running it
  std::optional<std::string> revision;  // -r/--revision: N, "head", "base", "+k" or "-k"
};

int run_database_current();
int run_database_history();
int run_database_upgrade(const DatabaseCommandOptions& options);
int run_database_downgrade(const DatabaseCommandOptions& options);
int run_database_reset(const DatabaseCommandOptions& options);
int run_database_stamp(const DatabaseCommandOptions& options);
int run_database_backup();

// The version a revision names, from the current and newest versions: "head" (newest),
// "base" (0), an absolute "N", or relative "+k"/"-k". Nullopt when it is not one of those.
std::optional<int> resolve_revision(const std::string& revision, int current, int newest);

}  // namespace praetor::cli
