// Server settings under Prefect's own environment names, so an existing deployment's
// environment configures Praetor unchanged. Read once at start-up; immutable afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"

namespace praetor::config {

struct DatabaseUrl {
  enum class Dialect { kSqlite, kPostgres };
  Dialect dialect = Dialect::kSqlite;
  std::string sqlite_path;  // for kSqlite; ":memory:" allowed
  std::string raw;          // the URL as given
};

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 4200;
  std::string home;  // PREFECT_HOME, expanded
  DatabaseUrl database;
  // The Prefect server version reported by /api/admin/version. The client warns when it is
  // older than itself and refuses another major version.
  std::string prefect_version = "3.9.1";
  int default_limit = 200;  // PREFECT_SERVER_API_DEFAULT_LIMIT
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  int handler_threads = 32;
  bool csrf_protection_enabled = false;  // PREFECT_SERVER_CSRF_PROTECTION_ENABLED
  std::string log_level = "info";        // PREFECT_SERVER_LOGGING_LEVEL
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_getenv(const std::string& name);

// Settings from the environment; an error names the variable and what is wrong with it.
core::Result<Settings> load_settings(const Getenv& getenv = process_getenv);

// Accepts Prefect's forms: "sqlite+aiosqlite:///abs/path.db", "sqlite:///rel.db",
// "sqlite+aiosqlite:///:memory:", "postgresql+asyncpg://user:pass@host:5432/db".
core::Result<DatabaseUrl> parse_database_url(const std::string& url);

}  // namespace praetor::config
