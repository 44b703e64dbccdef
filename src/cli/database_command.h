// `praetor server database current|history|upgrade|backup`, as `prefect server database`
// does: the database is the one PREFECT_SERVER_DATABASE_* names. Output goes to stdout.
#pragma once

#include <optional>

namespace praetor::cli {

struct DatabaseCommandOptions {
  bool yes = false;            // -y/--yes: no confirmation prompt
  bool dry_run = false;        // --dry-run: print the SQL instead of running it
  std::optional<int> revision; // -r/--revision: upgrade only up to this version
};

int run_database_current();
int run_database_history();
int run_database_upgrade(const DatabaseCommandOptions& options);
int run_database_backup();

}  // namespace praetor::cli
