#include "config/settings.h"

#include <cstdlib>

namespace praetor::config {
namespace {

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

core::Result<int64_t> parse_int(const std::string& name, const std::string& text, int64_t lo, int64_t hi) {
  try {
    size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used != text.size() || v < lo || v > hi) throw std::out_of_range("range");
    return static_cast<int64_t>(v);
  } catch (const std::exception&) {
    return core::Error::invalid(name + "=" + text + " is not an integer between " + std::to_string(lo) +
                                " and " + std::to_string(hi));
  }
}

bool parse_bool(const std::string& text) {
  return text == "1" || text == "true" || text == "True" || text == "TRUE" || text == "yes";
}

}  // namespace

std::optional<std::string> process_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

core::Result<DatabaseUrl> parse_database_url(const std::string& url) {
  DatabaseUrl out;
  out.raw = url;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return core::Error::invalid("database URL '" + url + "' has no scheme; expected sqlite+aiosqlite:///path or postgresql+asyncpg://…");
  }
  std::string scheme = url.substr(0, scheme_end);
  std::string rest = url.substr(scheme_end + 3);
  if (scheme == "sqlite" || starts_with(scheme, "sqlite+")) {
    out.dialect = DatabaseUrl::Dialect::kSqlite;
    // sqlite:///relative, sqlite:////absolute (SQLAlchemy); rest starts after "://".
    if (rest.empty() || rest[0] != '/') {
      return core::Error::invalid("sqlite URL '" + url + "' must look like sqlite+aiosqlite:///path/to/file.db");
    }
    std::string path = rest.substr(1);
    auto q = path.find('?');
    if (q != std::string::npos) path = path.substr(0, q);
    if (path.empty()) path = ":memory:";
    out.sqlite_path = path;
    return out;
  }
  if (scheme == "postgresql" || scheme == "postgres" || starts_with(scheme, "postgresql+")) {
    out.dialect = DatabaseUrl::Dialect::kPostgres;
    return out;
  }
  return core::Error::invalid("unsupported database URL scheme '" + scheme + "'");
}

core::Result<Settings> load_settings(const Getenv& getenv) {
  Settings s;
  if (auto v = getenv("PREFECT_SERVER_API_HOST")) s.host = *v;
  if (auto v = getenv("PREFECT_SERVER_API_PORT")) {
    auto port = parse_int("PREFECT_SERVER_API_PORT", *v, 0, 65535);
    if (!port) return port.error();
    s.port = static_cast<uint16_t>(*port);
  }
  if (auto v = getenv("PREFECT_HOME")) {
    s.home = *v;
  } else {
    auto home = getenv("HOME");
    s.home = (home ? *home : std::string(".")) + "/.prefect";
  }
  if (starts_with(s.home, "~/")) {
    auto home = getenv("HOME");
    s.home = (home ? *home : std::string(".")) + s.home.substr(1);
  }
  std::optional<std::string> url = getenv("PREFECT_SERVER_DATABASE_CONNECTION_URL");
  if (!url) url = getenv("PREFECT_API_DATABASE_CONNECTION_URL");
  if (url && !url->empty()) {
    auto parsed = parse_database_url(*url);
    if (!parsed) return parsed.error();
    s.database = std::move(*parsed);
  } else {
    s.database.dialect = DatabaseUrl::Dialect::kSqlite;
    s.database.sqlite_path = s.home + "/praetor.db";
    s.database.raw = "sqlite:///" + s.database.sqlite_path;
  }
  if (auto v = getenv("PRAETOR_PREFECT_VERSION")) s.prefect_version = *v;
  if (auto v = getenv("PREFECT_SERVER_API_DEFAULT_LIMIT")) {
    auto n = parse_int("PREFECT_SERVER_API_DEFAULT_LIMIT", *v, 1, 1000000);
    if (!n) return n.error();
    s.default_limit = static_cast<int>(*n);
  }
  if (auto v = getenv("PRAETOR_HANDLER_THREADS")) {
    auto n = parse_int("PRAETOR_HANDLER_THREADS", *v, 1, 1024);
    if (!n) return n.error();
    s.handler_threads = static_cast<int>(*n);
  }
  if (auto v = getenv("PREFECT_SERVER_CSRF_PROTECTION_ENABLED")) s.csrf_protection_enabled = parse_bool(*v);
  if (s.csrf_protection_enabled) {
    return core::Error::invalid(
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true is not supported by praetor yet; unset it");
  }
  if (auto v = getenv("PREFECT_SERVER_LOGGING_LEVEL")) s.log_level = *v;
  return s;
}

}  // namespace praetor::config
