// `praetor server database import`: copies a Prefect server's data into Praetor's database
// through Praetor's own repositories, so each row is what Praetor's API would have written,
// with Prefect's ids kept. Idempotent: a row whose id Praetor's database already holds is
// left alone, so a second run (or a run after an interrupted one) copies nothing twice.
// The source is only read (prefect_source.h). Tables not imported are named with the
// reason, never dropped silently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "importer/prefect_source.h"
#include "store/block_cipher.h"
#include "store/database.h"

namespace praetor::importer {

// One resource's outcome, by Prefect's table name.
struct TableOutcome {
  std::string table;
  int64_t in_prefect = 0;
  int64_t copied = 0;
  int64_t already_there = 0;   // the id was in Praetor's database before
  int64_t in_praetor = 0;      // rows of Praetor's table afterwards
  std::vector<std::string> not_copied;  // "name: why" for each row left out
};

// A Prefect table with rows the import does not copy, and why.
struct SkippedTable {
  std::string table;
  int64_t rows = 0;
  std::string reason;
};

struct ImportReport {
  std::vector<TableOutcome> tables;
  std::vector<SkippedTable> skipped;
};

// Called with a table's outcome so far after each batch it writes (`finished` false), and
// once it is done (`finished` true): the progress shown on a terminal.
using ImportProgress = std::function<void(const TableOutcome&, bool finished)>;

struct ImportOptions {
  bool events = false;  // also copy Prefect's events (often the largest table by far)
};

// `cipher` seals the block documents' data (Praetor's block key, store/block_cipher.h).
core::Result<ImportReport> import_prefect_database(PrefectSource& source, store::Database& target,
                                                   const store::BlockCipher& cipher, const ImportOptions& options,
                                                   const ImportProgress& progress = {});

}  // namespace praetor::importer
