// The praetor executable: `praetor server start [--no-services]`, `praetor server services
// start`, `praetor server database …` (import included), `praetor version`.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/database_command.h"
#include "cli/import_command.h"
#include "core/log_format.h"
#include "cli/server_command.h"
#include "cli/version_command.h"

int main(int argc, char** argv) {
  // Everything praetor creates holds run data or credentials: the database and its WAL,
  // backups, a created PREFECT_HOME. Owner-only (files 0600, folders 0700).
  ::umask(077);
  // Structured log lines on stderr; stdout stays free for command output.
  auto logger = spdlog::stderr_color_mt("praetor");
  logger->set_formatter(praetor::core::make_log_formatter("text"));  // PRAETOR_LOG_FORMAT applies once settings are read
  spdlog::set_default_logger(logger);

  CLI::App app{"praetor: a Prefect 3 compatible orchestration server"};
  app.require_subcommand(1);

  auto* version = app.add_subcommand("version", "Print the Praetor version, its source revision and the Prefect API it speaks");
  auto* server = app.add_subcommand("server", "Run and manage the server");
  server->require_subcommand(1);
  praetor::cli::ServerStartOptions start_options;
  auto* start = server->add_subcommand("start", "Start the API server");
  start->add_option("--host", start_options.host, "Address to bind (default PREFECT_SERVER_API_HOST or 127.0.0.1)");
  start->add_option("--port", start_options.port, "Port to bind (default PREFECT_SERVER_API_PORT or 4200)")
      ->check(CLI::Range(0, 65535));
  start->add_flag("--no-services", start_options.no_services,
                  "Serve the API only; run the background services elsewhere (`praetor server services start`)");
  start->add_flag("--no-scheduler", start_options.no_scheduler, "Do not run the scheduler service");
  start->add_flag("--no-late-runs", start_options.no_late_runs, "Do not run the late-runs service");
  auto* services = server->add_subcommand("services", "Run the background services without the API");
  services->require_subcommand(1);
  auto* services_start = services->add_subcommand("start", "Run every enabled service until interrupted");

  auto* database = server->add_subcommand("database", "Inspect and migrate the database schema");
  database->require_subcommand(1);
  auto* db_current = database->add_subcommand("current", "Show the schema version of the database and of this binary");
  auto* db_history = database->add_subcommand("history", "List the migrations and when each was applied");
  praetor::cli::DatabaseCommandOptions upgrade_options, downgrade_options, reset_options, stamp_options;
  auto* db_upgrade =
      database->add_subcommand("upgrade", "Apply pending migrations (after a backup of a non-empty database)");
  db_upgrade->add_flag("-y,--yes", upgrade_options.yes, "Do not ask for confirmation");
  db_upgrade->add_flag("--dry-run", upgrade_options.dry_run, "Print the SQL of the pending migrations instead");
  db_upgrade->add_option("-r,--revision", upgrade_options.revision,
                         "Upgrade only up to this version (N, +k; default head)");
  auto* db_downgrade =
      database->add_subcommand("downgrade", "Run down steps to an older schema version (after a backup)");
  db_downgrade->add_flag("-y,--yes", downgrade_options.yes, "Do not ask for confirmation");
  db_downgrade->add_flag("--dry-run", downgrade_options.dry_run, "Print the SQL of the down steps instead");
  db_downgrade->add_option("-r,--revision", downgrade_options.revision, "Version to downgrade to (N, -k, base)")
      ->required();
  auto* db_reset = database->add_subcommand("reset", "Drop every table and create them again, empty (after a backup)");
  db_reset->add_flag("-y,--yes", reset_options.yes, "Do not ask for confirmation");
  db_reset->add_flag("--dry-run", reset_options.dry_run, "Print the SQL instead");
  auto* db_stamp = database->add_subcommand("stamp", "Record the schema as at a version without running any migration");
  db_stamp->add_option("-r,--revision", stamp_options.revision, "Version to record (N, head, base)")->required();
  auto* db_backup = database->add_subcommand("backup", "Write a backup of the database and print where it is");
  std::string import_from;
  auto* db_import = database->add_subcommand(
      "import", "Copy a Prefect server's database into Praetor's (the Prefect database is only read)");
  db_import->add_option("--from", import_from, "The Prefect database's URL (sqlite+aiosqlite:///… or postgresql+asyncpg://…)")
      ->required();
  bool import_events = false;
  db_import->add_flag("--events", import_events, "Also copy Prefect's events (often its largest table)");

  CLI11_PARSE(app, argc, argv);

  if (db_current->parsed()) return praetor::cli::run_database_current();
  if (db_history->parsed()) return praetor::cli::run_database_history();
  if (db_upgrade->parsed()) return praetor::cli::run_database_upgrade(upgrade_options);
  if (db_downgrade->parsed()) return praetor::cli::run_database_downgrade(downgrade_options);
  if (db_reset->parsed()) return praetor::cli::run_database_reset(reset_options);
  if (db_stamp->parsed()) return praetor::cli::run_database_stamp(stamp_options);
  if (db_backup->parsed()) return praetor::cli::run_database_backup();
  if (db_import->parsed()) return praetor::cli::run_database_import(import_from, import_events);

  if (version->parsed()) return praetor::cli::run_version();
  if (start->parsed()) return praetor::cli::run_server_start(start_options);
  if (services_start->parsed()) return praetor::cli::run_services_start();
  return 0;
}
