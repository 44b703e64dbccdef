#include "cli/import_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "config/settings.h"
#include "importer/importer.h"
#include "store/block_cipher.h"
#include "store/database.h"

namespace praetor::cli {

namespace {

bool same_database(const config::DatabaseUrl& a, const config::DatabaseUrl& b) {
  if (a.dialect != b.dialect) return false;
  if (a.dialect == config::DatabaseUrl::Dialect::kSqlite) {
    std::error_code ec;
    return std::filesystem::equivalent(a.sqlite_path, b.sqlite_path, ec);
  }
  return a.host == b.host && a.port == b.port && a.name == b.name;
}

void print_report(const importer::ImportReport& report) {
  std::printf("\n%-26s %12s %10s %14s %12s\n", "table", "in Prefect", "copied", "already there", "in Praetor");
  for (const auto& t : report.tables) {
    std::printf("%-26s %12lld %10lld %14lld %12lld\n", t.table.c_str(), static_cast<long long>(t.in_prefect),
                static_cast<long long>(t.copied), static_cast<long long>(t.already_there),
                static_cast<long long>(t.in_praetor));
  }
  bool any_left_out = false;
  for (const auto& t : report.tables) any_left_out = any_left_out || !t.not_copied.empty();
  if (any_left_out) {
    std::printf("\nrows not copied:\n");
    for (const auto& t : report.tables) {
      for (const auto& why : t.not_copied) std::printf("  %s\n", why.c_str());
    }
  }
  if (!report.skipped.empty()) {
    std::printf("\ntables not copied:\n");
    for (const auto& s : report.skipped) {
      std::printf("  %s (%lld rows): %s\n", s.table.c_str(), static_cast<long long>(s.rows), s.reason.c_str());
    }
  }
}

}  // namespace

int run_database_import(const std::string& from_url, bool events) {
  auto settings = config::load_settings();
  if (!settings) {
    spdlog::error("configuration error: {}", settings.error().message);
    return 2;
  }
  auto from = config::parse_database_url(from_url);
  if (!from) {
    spdlog::error("--from: {}", from.error().message);
    return 2;
  }
  if (same_database(*from, settings->database)) {
    spdlog::error("--from names Praetor's own database ({}); point PREFECT_SERVER_DATABASE_CONNECTION_URL at a "
                  "new database for Praetor and import into it",
                  settings->database.redacted());
    return 2;
  }
  auto cipher = store::load_block_cipher(*settings);
  if (!cipher) {
    spdlog::error("configuration error: {}", cipher.error().message);
    return 2;
  }
  auto source = importer::PrefectSource::open(*from);
  if (!source) {
    spdlog::error("{}", source.error().message);
    return 1;
  }
  auto target = store::open_database(settings->database, settings->database_tuning);
  if (!target) {
    spdlog::error("{}", target.error().message);
    return 1;
  }
  std::printf("importing %s (Prefect schema at alembic revision %s) into %s\n", (*source)->describe().c_str(),
              (*source)->revision().c_str(), (*target)->describe().c_str());
  std::fflush(stdout);
  importer::ImportOptions options;
  options.events = events;
  // On a terminal each table's line counts up as its batches are written.
  const bool terminal = ::isatty(STDOUT_FILENO);
  auto report = importer::import_prefect_database(
      **source, **target, *cipher, options, [terminal](const importer::TableOutcome& t, bool finished) {
        if (!finished && !terminal) return;
        std::printf("%s  %-26s %lld of %lld: %lld copied, %lld already there%s", terminal ? "\r\033[K" : "",
                    t.table.c_str(),
                    static_cast<long long>(t.copied + t.already_there + static_cast<int64_t>(t.not_copied.size())),
                    static_cast<long long>(t.in_prefect), static_cast<long long>(t.copied),
                    static_cast<long long>(t.already_there), finished ? "\n" : "");
        std::fflush(stdout);
      });
  if (!report) {
    spdlog::error("import stopped: {} (rows copied so far are kept; run the command again to go on)",
                  report.error().message);
    return 1;
  }
  print_report(*report);
  return 0;
}

}  // namespace praetor::cli
