// Server settings under Prefect's own environment names, so an existing deployment's
// environment configures Praetor unchanged. Read once at start-up; immutable afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/db_vacuum_settings.h"
#include "config/environment.h"
#include "config/ui_settings.h"
#include "core/result.h"

namespace praetor::config {

struct DatabaseUrl {
  enum class Dialect { kSqlite, kPostgres };
  Dialect dialect = Dialect::kSqlite;
  std::string sqlite_path;  // for kSqlite; ":memory:" allowed
  std::string raw;          // the URL as given
  // For kPostgres: the URL's parts, percent-decoded (empty when absent).
  std::string host, port, user, password, name;
  // The URL without its password, for logs.
  std::string redacted() const;
};

// Database pool and timeouts, under Prefect's setting names.
struct DatabaseTuning {
  int pool_size = 5;                        // PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE
  int max_overflow = 10;                    // PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW
  double pool_timeout_seconds = 30;         // PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT
  double statement_timeout_seconds = 10;    // PREFECT_SERVER_DATABASE_TIMEOUT
  double connect_timeout_seconds = 5;       // PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT
  bool migrate_on_start = true;             // PREFECT_SERVER_DATABASE_MIGRATE_ON_START
  // The server's memory budget, PRAETOR_SERVER_MEMORY_BUDGET_MB (64 or more): SQLite's page
  // caches take at most half of it (store::SqliteCacheBudget), request bodies in flight a
  // quarter (server/body_budget.h).
  int64_t memory_budget_mb = 512;
  // Backups before a migration, downgrade or reset (store/backup.h).
  bool backup_enabled = true;               // PRAETOR_SERVER_DATABASE_BACKUP_ENABLED
  // PostgreSQL: a shell command that writes a dump to its stdout, with the connection in
  // PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE (and PRAETOR_DATABASE_URL); empty: pg_dump
  // --format=custom when pg_dump is on PATH.
  std::string backup_command;               // PRAETOR_SERVER_DATABASE_BACKUP_COMMAND
  // Folder of PostgreSQL dumps (default $PREFECT_HOME/backups) and, when set, of SQLite
  // backups too (which otherwise go next to the database file).
  std::string backup_dir;                   // PRAETOR_SERVER_DATABASE_BACKUP_DIR
  bool backup_dir_configured = false;
};

// The background services' settings, under Prefect's names
// (PREFECT_SERVER_SERVICES_<SERVICE>_<FIELD>, legacy PREFECT_API_SERVICES_… accepted).
struct ServiceSettings {
  bool scheduler_enabled = true;
  double scheduler_loop_seconds = 60;
  double scheduler_recent_deployments_loop_seconds = 5;
  int64_t scheduler_deployment_batch_size = 100;
  int64_t scheduler_max_runs = 100;
  int64_t scheduler_min_runs = 3;
  double scheduler_max_scheduled_time_seconds = 100 * 86400.0;  // P100D
  double scheduler_min_scheduled_time_seconds = 3600;            // PT1H
  bool late_runs_enabled = true;
  double late_runs_loop_seconds = 5;
  double late_runs_after_seconds = 15;
  bool foreman_enabled = true;
  double foreman_loop_seconds = 15;
  double foreman_inactivity_seconds = 60;  // deployments not polled → NOT_READY
  double foreman_work_queue_inactivity_seconds = 60;  // queues not polled → NOT_READY
  int64_t foreman_inactivity_heartbeat_multiple = 3;  // heartbeats missed → worker OFFLINE
  double foreman_fallback_heartbeat_interval_seconds = 30;  // for workers that sent none
  bool cancellation_cleanup_enabled = true;
  double cancellation_cleanup_loop_seconds = 20;
  double cancellation_cleanup_cancelling_timeout_seconds = 300;  // Cancelling longer → Cancelled
  bool pause_expirations_enabled = true;
  double pause_expirations_loop_seconds = 5;
  // The repossessor (expired concurrency leases); Prefect has no legacy PREFECT_API_ names
  // for it.
  bool repossessor_enabled = true;
  double repossessor_loop_seconds = 15;
  // Automations: the trigger engine, and whether it runs the actions it fires.
  bool triggers_enabled = true;
  bool actions_enabled = true;
  // The database vacuum (retention): config/db_vacuum_settings.h.
  DbVacuumSettings db_vacuum;
};

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 4200;
  std::string home;  // PREFECT_HOME, expanded
  DatabaseUrl database;
  DatabaseTuning database_tuning;
  // The Prefect server version reported by /api/admin/version. The client warns when it is
  // older than itself and refuses another major version.
  std::string prefect_version = "3.9.1";
  int default_limit = 200;  // PREFECT_SERVER_API_DEFAULT_LIMIT
  // GET /flow_runs/{id}/graph-v2: a graph of more nodes is refused with a 400; at most this
  // many artifacts are drawn. PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_{NODES,ARTIFACTS} (or the
  // legacy PREFECT_API_MAX_FLOW_RUN_GRAPH_{NODES,ARTIFACTS}).
  int64_t flow_run_graph_max_nodes = 10000;
  int64_t flow_run_graph_max_artifacts = 10000;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  int handler_threads = 32;
  // PRAETOR_SERVER_MAX_CONNECTIONS: open connections at most; 0 (default): the descriptor
  // limit (`ulimit -n`) less a reserve of 128 for the database, WAL, backups and logs.
  int max_connections = 0;
  // Basic auth (PREFECT_SERVER_API_AUTH_STRING, "user:password"): when set, even to "",
  // every HTTP request but GET /api/health and /api/ready must carry it (api/security.h).
  // A secret: never logged.
  std::optional<std::string> auth_string;
  // PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY decoded: the 32-byte key that encrypts block
  // documents at rest (store/block_cipher.h); unset: the key file under `home`. A secret:
  // never logged.
  std::optional<std::string> blocks_encryption_key;
  // PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED (or PREFECT_SERVER_CSRF_PROTECTION_ENABLED)
  // and how long a token from /api/csrf-token stays valid (…_CSRF_TOKEN_EXPIRATION).
  bool csrf_protection_enabled = false;
  double csrf_token_expiration_seconds = 3600;
  // PREFECT_SERVER_API_CORS_ALLOWED_{ORIGINS,METHODS,HEADERS} (or PREFECT_SERVER_CORS_…):
  // comma-separated, split on "," only, as Prefect splits them.
  std::string cors_allowed_origins = "*";
  std::string cors_allowed_methods = "*";
  std::string cors_allowed_headers = "*";
  std::string log_level = "info";        // PREFECT_SERVER_LOGGING_LEVEL (or PREFECT_LOGGING_SERVER_LEVEL)
  // PRAETOR_ACCESS_LOG_LEVEL: the level of the one line logged per HTTP request (method,
  // route template, status, milliseconds), or "off". Debug by default: Prefect's uvicorn
  // logs its access lines at INFO under a default server level of WARNING, so by default
  // neither server's log carries them.
  std::string access_log_level = "debug";
  // PRAETOR_LOG_FORMAT: "text" (default) or "json" (one JSON object per line).
  std::string log_format = "text";
  // PREFECT_SERVER_METRICS_ENABLED (or PREFECT_API_ENABLE_METRICS): serve Prometheus
  // metrics at GET /api/metrics (docs/metrics.md). Off by default, as in Prefect.
  bool metrics_enabled = false;
  ServiceSettings services;
  // PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS: how far ahead a run refused a
  // deployment concurrency slot is rescheduled (AwaitingConcurrencySlot).
  double deployment_concurrency_slot_wait_seconds = 30;
  // PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION (30..3600).
  double initial_deployment_lease_seconds = 300;
  // The installed prefect package whose data files Praetor serves (config/prefect_package.h);
  // empty when none was found. Filled at server start, not by load_settings.
  std::string prefect_package_dir;
  // PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: the Retry-After of a refused
  // /concurrency_limits/increment (tag limits).
  double tag_concurrency_slot_wait_seconds = 10;
  UiSettings ui;  // the web UI (config/ui_settings.h)
};

// Seconds from "90", "1.5", or an ISO-8601 duration such as "P100D", "PT1H", "P1DT2H30M".
std::optional<double> parse_duration_seconds(const std::string& text);

// A file's contents, or nullopt when it cannot be read.
using ReadFile = std::function<std::optional<std::string>(const std::string& path)>;
std::optional<std::string> read_text_file(const std::string& path);

// Settings from the environment; an error names the variable and what is wrong with it.
// Fails closed: a Prefect setting that changes security or data handling and that Praetor
// does not implement (TLS to the database, Redis messaging, …) is an error
// naming it, unless it is set to Prefect's default. Values are never echoed (they may hold
// credentials). Prefect also reads settings from the active profile of profiles.toml
// ($PREFECT_PROFILES_PATH, default $PREFECT_HOME/profiles.toml: where `prefect config set`
// writes), and from .env, prefect.toml and pyproject.toml in the working directory; Praetor
// reads the environment only, so one of those security settings found in such a file (and
// not overridden by the environment) is an error too, rather than silently ignored.
core::Result<Settings> load_settings(const Getenv& getenv = process_getenv, const ReadFile& read_file = read_text_file);

// Accepts Prefect's forms: "sqlite+aiosqlite:///abs/path.db", "sqlite:///rel.db",
// "sqlite+aiosqlite:///:memory:", "postgresql+asyncpg://user:pass@host:5432/db" (also
// "postgresql://" and "postgres://"; user, password, port and database optional).
core::Result<DatabaseUrl> parse_database_url(const std::string& url);

}  // namespace praetor::config
