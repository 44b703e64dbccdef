// `praetor server database import --from <Prefect database URL>`: copies a Prefect server's
// database into the Praetor database the settings name (importer/importer.h). The Prefect
// database is only read; Praetor's is created and migrated when needed. Prints a line per
// table as it goes, then the per-table counts, the rows left out and the tables not copied,
// each with its reason. Exit status 0 when the copy ran to the end, 1 when it stopped on an
// error (run it again: rows already copied are kept), 2 for a configuration error.
#pragma once

#include <string>

namespace praetor::cli {

// `events`: also copy Prefect's events (--events).
int run_database_import(const std::string& from_url, bool events);

}  // namespace praetor::cli
