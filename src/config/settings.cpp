#include "config/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <initializer_list>
#include <utility>
#include <vector>

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

core::Result<double> parse_seconds(const std::string& name, const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size() || v < 0) throw std::out_of_range("range");
    return v;
  } catch (const std::exception&) {
    return core::Error::invalid(name + "=" + text + " is not a non-negative number of seconds");
  }
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// user:pass@host:port/name?query
void parse_postgres_authority(std::string rest, DatabaseUrl& out) {
  if (auto q = rest.find('?'); q != std::string::npos) rest = rest.substr(0, q);
  std::string authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string::npos) {
      out.user = percent_decode(userinfo.substr(0, colon));
      out.password = percent_decode(userinfo.substr(colon + 1));
    } else {
      out.user = percent_decode(userinfo);
    }
  }
  if (!authority.empty() && authority[0] == '[') {  // [ipv6]:port
    auto close = authority.find(']');
    out.host = authority.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < authority.size() && authority[close + 1] == ':') {
      out.port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    out.host = percent_decode(authority.substr(0, colon));
    out.port = authority.substr(colon + 1);
  } else {
    out.host = percent_decode(authority);
  }
  out.name = percent_decode(path);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return text;
}

// Prefect's level names are upper case (DEBUG, INFO, WARNING, ERROR, CRITICAL); kept lower
// case, the form spdlog reads (it would take an unknown name as "off"). `allow_off`: also "off".
core::Result<std::string> parse_log_level(const std::string& name, const std::string& value, bool allow_off) {
  std::string level = lower(value);
  if (level == "debug" || level == "info" || level == "warning" || level == "error" || level == "critical" ||
      (allow_off && level == "off")) {
    return level;
  }
  return core::Error::invalid(name + "=" + value + " is not a log level; use DEBUG, INFO, WARNING, ERROR or CRITICAL" +
                              (allow_off ? " (or OFF)" : ""));
}

bool parse_bool(const std::string& text) {
  return text == "1" || text == "true" || text == "True" || text == "TRUE" || text == "yes";
}

// Services newer than the PREFECT_API_SERVICES_ names, read under PREFECT_SERVER_SERVICES_ only.
bool without_legacy_name(const std::string& name) { return name.rfind("REPOSSESSOR_", 0) == 0; }

// PREFECT_SERVER_SERVICES_<name>, else the legacy PREFECT_API_SERVICES_<name>.
std::optional<std::string> service_env(const Getenv& getenv, const std::string& name) {
  if (auto v = getenv("PREFECT_SERVER_SERVICES_" + name)) return v;
  if (without_legacy_name(name)) return std::nullopt;
  return getenv("PREFECT_API_SERVICES_" + name);
}

core::Result<core::Ok> load_service_settings(const Getenv& getenv, ServiceSettings& s) {
  auto boolean = [&](const std::string& name, bool& out) {
    if (auto v = service_env(getenv, name)) out = parse_bool(*v);
  };
  std::optional<core::Error> error;
  auto seconds = [&](const std::string& name, double& out) {
    if (auto v = service_env(getenv, name)) {
      auto d = parse_duration_seconds(*v);
      if (!d || *d < 0) {
        error = core::Error::invalid("PREFECT_SERVER_SERVICES_" + name + "=" + *v + " is not a duration");
      } else {
        out = *d;
      }
    }
  };
  auto integer = [&](const std::string& name, int64_t& out) {
    if (auto v = service_env(getenv, name)) {
      auto n = parse_int("PREFECT_SERVER_SERVICES_" + name, *v, 0, 1000000000);
      if (!n) error = n.error(); else out = *n;
    }
  };
  boolean("SCHEDULER_ENABLED", s.scheduler_enabled);
  seconds("SCHEDULER_LOOP_SECONDS", s.scheduler_loop_seconds);
  seconds("SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS", s.scheduler_recent_deployments_loop_seconds);
  integer("SCHEDULER_DEPLOYMENT_BATCH_SIZE", s.scheduler_deployment_batch_size);
  integer("SCHEDULER_MAX_RUNS", s.scheduler_max_runs);
  integer("SCHEDULER_MIN_RUNS", s.scheduler_min_runs);
  seconds("SCHEDULER_MAX_SCHEDULED_TIME", s.scheduler_max_scheduled_time_seconds);
  seconds("SCHEDULER_MIN_SCHEDULED_TIME", s.scheduler_min_scheduled_time_seconds);
  boolean("LATE_RUNS_ENABLED", s.late_runs_enabled);
  seconds("LATE_RUNS_LOOP_SECONDS", s.late_runs_loop_seconds);
  seconds("LATE_RUNS_AFTER_SECONDS", s.late_runs_after_seconds);
  boolean("FOREMAN_ENABLED", s.foreman_enabled);
  seconds("FOREMAN_LOOP_SECONDS", s.foreman_loop_seconds);
  seconds("FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS", s.foreman_inactivity_seconds);
  seconds("FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS", s.foreman_work_queue_inactivity_seconds);
  integer("FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE", s.foreman_inactivity_heartbeat_multiple);
  seconds("FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS", s.foreman_fallback_heartbeat_interval_seconds);
  boolean("CANCELLATION_CLEANUP_ENABLED", s.cancellation_cleanup_enabled);
  seconds("CANCELLATION_CLEANUP_LOOP_SECONDS", s.cancellation_cleanup_loop_seconds);
  seconds("CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS", s.cancellation_cleanup_cancelling_timeout_seconds);
  boolean("PAUSE_EXPIRATIONS_ENABLED", s.pause_expirations_enabled);
  seconds("PAUSE_EXPIRATIONS_LOOP_SECONDS", s.pause_expirations_loop_seconds);
  boolean("REPOSSESSOR_ENABLED", s.repossessor_enabled);
  seconds("REPOSSESSOR_LOOP_SECONDS", s.repossessor_loop_seconds);
  boolean("TRIGGERS_ENABLED", s.triggers_enabled);
  boolean("ACTIONS_ENABLED", s.actions_enabled);
  if (!error && s.cancellation_cleanup_cancelling_timeout_seconds <= 0) {
    error = core::Error::invalid("PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS must be > 0");
  }
  if (error) return *error;
  auto vacuum = load_db_vacuum_settings(getenv);
  if (!vacuum) return vacuum.error();
  s.db_vacuum = std::move(*vacuum);
  return core::Ok{};
}

// Strict standard base64 (padding required); nullopt on any other character.
std::optional<std::string> decode_base64_strict(std::string_view text) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      if (i + 2 < text.size() || (i + 1 < text.size() && text[i + 1] != '=')) return std::nullopt;
      break;
    }
    auto pos = kAlphabet.find(text[i]);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

core::Result<core::Ok> load_security_settings(const Getenv& getenv, Settings& s) {
  // No alias: Prefect reads the auth string under this one name.
  if (auto v = getenv("PREFECT_SERVER_API_AUTH_STRING")) s.auth_string = *v;
  if (auto v = getenv("PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY"); v && !v->empty()) {
    auto key = decode_base64_strict(*v);  // the value is a secret: never echoed
    if (!key || key->size() != 32) {
      return core::Error::invalid(
          "PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY must be base64 of 32 bytes (e.g. the output of `openssl rand "
          "-base64 32`)");
    }
    s.blocks_encryption_key = std::move(*key);
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_CSRF_PROTECTION_ENABLED"})) {
    auto b = parse_pydantic_bool(v->second);
    if (!b) return core::Error::invalid(v->first + "=" + v->second + " is not a boolean");
    s.csrf_protection_enabled = *b;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_API_CSRF_TOKEN_EXPIRATION", "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION"})) {
    auto d = parse_duration_seconds(v->second);
    if (!d || *d <= 0) return core::Error::invalid(v->first + "=" + v->second + " is not a positive duration");
    s.csrf_token_expiration_seconds = *d;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "PREFECT_SERVER_CORS_ALLOWED_ORIGINS"})) {
    s.cors_allowed_origins = v->second;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_API_CORS_ALLOWED_METHODS", "PREFECT_SERVER_CORS_ALLOWED_METHODS"})) {
    s.cors_allowed_methods = v->second;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_API_CORS_ALLOWED_HEADERS", "PREFECT_SERVER_CORS_ALLOWED_HEADERS"})) {
    s.cors_allowed_headers = v->second;
  }
  return core::Ok{};
}

// A Prefect setting Praetor does not implement, under all its names, and the values that
// mean Prefect's default (accepted, since they ask for nothing Praetor lacks).
struct UnimplementedSetting {
  std::vector<std::string> names;
  std::vector<std::string> accepted;  // compared exactly (kValues)
  enum class Accept { kValues, kFalse, kTrue } accept = Accept::kValues;
  const char* why;
};

core::Result<core::Ok> refuse_unimplemented_settings(const Getenv& getenv) {
  using A = UnimplementedSetting::Accept;
  static const UnimplementedSetting kSettings[] = {
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED"}, {}, A::kFalse,
       "TLS to the database is not implemented (the connection would be unencrypted)"},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE"}, {""}, A::kValues,
       "TLS to the database is not implemented"},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CERT_FILE"}, {""}, A::kValues,
       "TLS to the database is not implemented"},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_KEY_FILE"}, {""}, A::kValues,
       "TLS to the database is not implemented"},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH"}, {""}, A::kValues,
       "a PostgreSQL search_path is not implemented (data would go to the default schema)"},
      {{"PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "PREFECT_API_SERVICES_EVENT_PERSISTER_ENABLED"}, {}, A::kTrue,
       "events are always stored"},
      {{"PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED", "PREFECT_API_EVENTS_STREAM_OUT_ENABLED"}, {}, A::kTrue,
       "/api/events/out is always served"},
      {{"PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES", "PREFECT_EVENTS_MAXIMUM_SIZE_BYTES"}, {}, A::kValues,
       "an event size limit is not implemented"},
      {{"PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED"}, {}, A::kTrue, "/api/logs/out is always served"},
      {{"PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED"}, {}, A::kTrue, "stored logs are always streamed"},
      {{"PREFECT_SERVER_API_MAX_PARAMETER_SIZE"}, {}, A::kValues, "a parameter size limit is not implemented"},
      {{"PREFECT_SERVER_EVENTS_MESSAGING_BROKER", "PREFECT_MESSAGING_BROKER"},
       {"prefect.server.utilities.messaging.memory"}, A::kValues, "only in-process messaging is implemented"},
      {{"PREFECT_SERVER_EVENTS_MESSAGING_CACHE", "PREFECT_MESSAGING_CACHE"},
       {"prefect.server.utilities.messaging.memory"}, A::kValues, "only in-process messaging is implemented"},
      {{"PREFECT_SERVER_EVENTS_CAUSAL_ORDERING"}, {"prefect.server.events.ordering.memory"}, A::kValues,
       "only in-process event ordering is implemented"},
      {{"PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE"}, {"prefect.server.concurrency.lease_storage.memory"}, A::kValues,
       "leases are stored in the database; other lease storage is not implemented"},
      {{"PREFECT_SERVER_DOCKET_URL"}, {"memory://"}, A::kValues, "only the in-process docket is implemented"},
  };
  for (const auto& setting : kSettings) {
    for (const std::string& name : setting.names) {
      auto v = getenv(name);
      if (!v) continue;
      bool ok = false;
      if (setting.accept == A::kValues) {
        for (const std::string& a : setting.accepted) ok = ok || *v == a;
      } else {
        auto b = parse_pydantic_bool(*v);
        ok = b && *b == (setting.accept == A::kTrue);
      }
      // The value is not echoed: a URL or path may carry credentials.
      if (!ok) {
        return core::Error::invalid(name + " is set, but praetor does not implement it (" + setting.why +
                                    "); unset it");
      }
    }
  }
  return core::Ok{};
}

// The security and data-handling settings whose presence in a settings file Praetor does not
// read must stop start-up: their environment names (all aliases) and their path in
// prefect.toml (a trailing '.' matches a whole table).
struct GuardedSetting {
  std::vector<std::string> env_names;
  std::string toml_path;
};

const std::vector<GuardedSetting>& guarded_settings() {
  static const std::vector<GuardedSetting> kGuarded = {
      {{"PREFECT_SERVER_API_AUTH_STRING"}, "server.api.auth_string"},
      {{"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_CSRF_PROTECTION_ENABLED"},
       "server.api.csrf_protection_enabled"},
      {{"PREFECT_SERVER_API_CSRF_TOKEN_EXPIRATION", "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION"},
       "server.api.csrf_token_expiration"},
      {{"PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "PREFECT_SERVER_CORS_ALLOWED_ORIGINS"},
       "server.api.cors_allowed_origins"},
      {{"PREFECT_SERVER_API_CORS_ALLOWED_METHODS", "PREFECT_SERVER_CORS_ALLOWED_METHODS"},
       "server.api.cors_allowed_methods"},
      {{"PREFECT_SERVER_API_CORS_ALLOWED_HEADERS", "PREFECT_SERVER_CORS_ALLOWED_HEADERS"},
       "server.api.cors_allowed_headers"},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CERT_FILE",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_KEY_FILE"},
       "server.database.sqlalchemy.connect_args.tls."},
      {{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH"},
       "server.database.sqlalchemy.connect_args.search_path"},
      {{"PREFECT_SERVER_EVENTS_RETENTION_PERIOD", "PREFECT_EVENTS_RETENTION_PERIOD"}, "server.events.retention_period"},
      {{"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED", "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES", "PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ORPHAN_CLEANUP_LOOP_SECONDS", "PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE"},
       "server.services.db_vacuum."},
      {{"PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "PREFECT_API_SERVICES_EVENT_PERSISTER_ENABLED"},
       "server.services.event_persister.enabled"},
      {{"PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED", "PREFECT_API_EVENTS_STREAM_OUT_ENABLED"},
       "server.events.stream_out_enabled"},
      {{"PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES", "PREFECT_EVENTS_MAXIMUM_SIZE_BYTES"},
       "server.events.maximum_size_bytes"},
      {{"PREFECT_SERVER_API_MAX_PARAMETER_SIZE"}, "server.api.max_parameter_size"},
      {{"PREFECT_SERVER_EVENTS_MESSAGING_BROKER", "PREFECT_MESSAGING_BROKER"}, "server.events.messaging_broker"},
      {{"PREFECT_SERVER_EVENTS_MESSAGING_CACHE", "PREFECT_MESSAGING_CACHE"}, "server.events.messaging_cache"},
      {{"PREFECT_SERVER_EVENTS_CAUSAL_ORDERING"}, "server.events.causal_ordering"},
      {{"PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE"}, "server.concurrency.lease_storage"},
      {{"PREFECT_SERVER_DOCKET_URL"}, "server.docket.url"},
  };
  return kGuarded;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return s;
}

std::string trim_copy(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
  return s;
}

// A TOML dotted key or table name with each part unquoted and trimmed ("a . 'b'" -> "a.b").
std::string normalise_toml_key(const std::string& key) {
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t dot = key.find('.', start);
    if (!out.empty()) out += '.';
    out += unquote(trim_copy(std::string_view(key).substr(start, dot == std::string::npos ? std::string::npos : dot - start)));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

struct TomlEntry {
  std::string table, key, value;  // value: the raw text after '=', trimmed
};

// Every `key = value` line of a TOML text, tables and keys normalised; a simple line
// reader, enough for the files Prefect's tools write.
std::vector<TomlEntry> toml_keys(const std::string& text) {
  std::vector<TomlEntry> out;
  std::string table;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = trim_copy(std::string_view(text).substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    pos = end == std::string::npos ? text.size() + 1 : end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      std::string name = line.substr(line[1] == '[' ? 2 : 1);
      name = name.substr(0, name.find(']'));
      table = normalise_toml_key(name);
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.push_back({table, normalise_toml_key(line.substr(0, eq)), trim_copy(std::string_view(line).substr(eq + 1))});
  }
  return out;
}

bool env_overrides(const Getenv& getenv, const GuardedSetting& g) {
  for (const auto& name : g.env_names) {
    if (getenv(name)) return true;
  }
  return false;
}

core::Error read_elsewhere(const std::string& setting, const std::string& file) {
  return core::Error::invalid(setting + " is set in " + file +
                              ", which praetor does not read (it reads settings from the environment only); set it "
                              "in the environment instead, or remove it from the file");
}

// Guarded settings in Prefect's other settings sources (see load_settings).
core::Result<core::Ok> refuse_guarded_settings_in_files(const Getenv& getenv, const ReadFile& read_file,
                                                        const std::string& home) {
  auto env_name_match = [&](const std::string& name) -> const GuardedSetting* {
    for (const auto& g : guarded_settings()) {
      for (const auto& n : g.env_names) {
        if (upper(name) == n) return &g;
      }
    }
    return nullptr;
  };
  auto toml_match = [&](const std::string& path) -> const GuardedSetting* {
    for (const auto& g : guarded_settings()) {
      bool prefix = !g.toml_path.empty() && g.toml_path.back() == '.';
      if (prefix ? path.rfind(g.toml_path, 0) == 0 : path == g.toml_path) return &g;
    }
    return nullptr;
  };
  // profiles.toml: the active profile's table, keys are environment names.
  std::string profiles_path = getenv("PREFECT_PROFILES_PATH").value_or(home + "/profiles.toml");
  if (auto text = read_file(profiles_path)) {
    auto keys = toml_keys(*text);
    std::string active = "ephemeral";
    for (const auto& e : keys) {
      if (e.table.empty() && e.key == "active") {
        char q = e.value.empty() ? 0 : e.value[0];
        active = (q == '"' || q == '\'') ? e.value.substr(1, e.value.find(q, 1) - 1) : e.value;
      }
    }
    if (auto p = getenv("PREFECT_PROFILE"); p && !p->empty()) active = *p;
    for (const auto& e : keys) {
      if (e.table != "profiles." + active) continue;
      if (const GuardedSetting* g = env_name_match(e.key); g && !env_overrides(getenv, *g)) {
        return read_elsewhere(upper(e.key), profiles_path + " (profile " + active + ")");
      }
    }
  }
  if (auto text = read_file(".env")) {
    size_t pos = 0;
    while (pos <= text->size()) {
      size_t end = text->find('\n', pos);
      std::string line = trim_copy(std::string_view(*text).substr(pos, end == std::string::npos ? std::string::npos : end - pos));
      pos = end == std::string::npos ? text->size() + 1 : end + 1;
      if (line.rfind("export ", 0) == 0) line = trim_copy(line.substr(7));
      auto eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      std::string name = trim_copy(line.substr(0, eq));
      if (const GuardedSetting* g = env_name_match(name); g && !env_overrides(getenv, *g)) {
        return read_elsewhere(upper(name), ".env");
      }
    }
  }
  for (const auto& [file, prefix] : {std::pair<std::string, std::string>{"prefect.toml", ""},
                                     std::pair<std::string, std::string>{"pyproject.toml", "tool.prefect."}}) {
    auto text = read_file(file);
    if (!text) continue;
    for (const auto& e : toml_keys(*text)) {
      std::string path = e.table.empty() ? e.key : e.table + "." + e.key;
      if (!prefix.empty()) {
        if (path.rfind(prefix, 0) != 0) continue;
        path = path.substr(prefix.size());
      }
      if (const GuardedSetting* g = toml_match(path); g && !env_overrides(getenv, *g)) {
        return read_elsewhere(path, file);
      }
    }
  }
  return core::Ok{};
}

}  // namespace

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<double> parse_duration_seconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text[0] != 'P' && text[0] != 'p') {
    try {
      size_t used = 0;
      double v = std::stod(text, &used);
      if (used != text.size()) return std::nullopt;
      return v;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  double total = 0;
  bool in_time = false;
  std::string number;
  for (size_t i = 1; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == 'T' || ch == 't') {
      in_time = true;
      continue;
    }
    if ((ch >= '0' && ch <= '9') || ch == '.') {
      number += ch;
      continue;
    }
    if (number.empty()) return std::nullopt;
    double v = std::stod(number);
    number.clear();
    switch (ch) {
      case 'W': total += v * 7 * 86400; break;
      case 'D': total += v * 86400; break;
      case 'H': total += v * 3600; break;
      case 'M': total += in_time ? v * 60 : v * 30 * 86400; break;
      case 'S': total += v; break;
      default: return std::nullopt;
    }
  }
  if (!number.empty()) return std::nullopt;
  return total;
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
    parse_postgres_authority(rest, out);
    return out;
  }
  return core::Error::invalid("unsupported database URL scheme '" + scheme + "'");
}

std::string DatabaseUrl::redacted() const {
  if (dialect == Dialect::kSqlite || password.empty()) return raw;
  auto scheme_end = raw.find("://");
  auto at = raw.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) return raw;
  auto colon = raw.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return raw;
  return raw.substr(0, colon + 1) + "***" + raw.substr(at);
}

core::Result<Settings> load_settings(const Getenv& getenv, const ReadFile& read_file) {
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
  auto db_setting = [&](const char* suffix) -> std::optional<std::string> {
    if (auto v = getenv(std::string("PREFECT_SERVER_DATABASE_") + suffix)) return v;
    return getenv(std::string("PREFECT_API_DATABASE_") + suffix);
  };
  std::optional<std::string> url = db_setting("CONNECTION_URL");
  auto password = db_setting("PASSWORD");
  if (url && password) {
    // Prefect substitutes the password setting into a templated URL.
    for (const char* placeholder : {"${PREFECT_SERVER_DATABASE_PASSWORD}", "${PREFECT_API_DATABASE_PASSWORD}"}) {
      for (auto pos = url->find(placeholder); pos != std::string::npos; pos = url->find(placeholder)) {
        url->replace(pos, std::string_view(placeholder).size(), *password);
      }
    }
  }
  auto driver = db_setting("DRIVER");
  auto db_host = db_setting("HOST");
  if (url && !url->empty()) {
    auto parsed = parse_database_url(*url);
    if (!parsed) return parsed.error();
    s.database = std::move(*parsed);
  } else if ((driver && starts_with(*driver, "postgresql")) || (db_host && !driver)) {
    // Prefect builds postgresql+asyncpg://user:password@host:port/name from the parts.
    DatabaseUrl& d = s.database;
    d.dialect = DatabaseUrl::Dialect::kPostgres;
    d.host = db_host.value_or("localhost");
    d.port = db_setting("PORT").value_or("5432");
    d.user = db_setting("USER").value_or("");
    d.password = password.value_or("");
    d.name = db_setting("NAME").value_or("");
    d.raw = "postgresql+asyncpg://" + d.user + (d.password.empty() ? "" : ":" + d.password) +
            (d.user.empty() && d.password.empty() ? "" : "@") + d.host + ":" + d.port + "/" + d.name;
  } else {
    s.database.dialect = DatabaseUrl::Dialect::kSqlite;
    s.database.sqlite_path = s.home + "/praetor.db";
    s.database.raw = "sqlite:///" + s.database.sqlite_path;
  }
  {
    DatabaseTuning& t = s.database_tuning;
    auto int_setting = [&](const char* name, int lo, int hi, int& field) -> core::Status {
      if (auto v = getenv(name)) {
        auto n = parse_int(name, *v, lo, hi);
        if (!n) return n.error();
        field = static_cast<int>(*n);
      }
      return core::Ok{};
    };
    auto seconds_setting = [&](std::initializer_list<const char*> names, double& field) -> core::Status {
      for (const char* name : names) {
        if (auto v = getenv(name); v && !v->empty() && *v != "None") {
          auto n = parse_seconds(name, *v);
          if (!n) return n.error();
          field = *n;
          return core::Ok{};
        }
      }
      return core::Ok{};
    };
    if (auto st = int_setting("PREFECT_SQLALCHEMY_POOL_SIZE", 1, 10000, t.pool_size); !st) return st.error();
    if (auto st = int_setting("PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE", 1, 10000, t.pool_size); !st) return st.error();
    if (auto st = int_setting("PREFECT_SQLALCHEMY_MAX_OVERFLOW", -1, 10000, t.max_overflow); !st) return st.error();
    if (auto st = int_setting("PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW", -1, 10000, t.max_overflow); !st) {
      return st.error();
    }
    if (t.max_overflow < 0) t.max_overflow = 0;
    if (auto st = seconds_setting({"PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT"}, t.pool_timeout_seconds); !st) {
      return st.error();
    }
    if (auto st = seconds_setting({"PREFECT_SERVER_DATABASE_TIMEOUT", "PREFECT_API_DATABASE_TIMEOUT"},
                                  t.statement_timeout_seconds);
        !st) {
      return st.error();
    }
    if (auto st = seconds_setting({"PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "PREFECT_API_DATABASE_CONNECTION_TIMEOUT"},
                                  t.connect_timeout_seconds);
        !st) {
      return st.error();
    }
    if (auto v = db_setting("MIGRATE_ON_START")) t.migrate_on_start = parse_bool(*v);
    if (auto v = getenv("PRAETOR_SERVER_DATABASE_BACKUP_ENABLED")) t.backup_enabled = parse_bool(*v);
    if (auto v = getenv("PRAETOR_SERVER_DATABASE_BACKUP_COMMAND")) t.backup_command = *v;
    t.backup_dir = s.home + "/backups";
    if (auto v = getenv("PRAETOR_SERVER_DATABASE_BACKUP_DIR"); v && !v->empty()) {
      t.backup_dir = *v;
      t.backup_dir_configured = true;
    }
  }
  if (auto v = getenv("PRAETOR_PREFECT_VERSION")) s.prefect_version = *v;
  if (auto v = getenv("PREFECT_SERVER_API_DEFAULT_LIMIT")) {
    auto n = parse_int("PREFECT_SERVER_API_DEFAULT_LIMIT", *v, 1, 1000000);
    if (!n) return n.error();
    s.default_limit = static_cast<int>(*n);
  }
  for (auto [names, field] : {std::pair{std::array{"PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES", "PREFECT_API_MAX_FLOW_RUN_GRAPH_NODES"},
                                        &s.flow_run_graph_max_nodes},
                              std::pair{std::array{"PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_ARTIFACTS",
                                                   "PREFECT_API_MAX_FLOW_RUN_GRAPH_ARTIFACTS"},
                                        &s.flow_run_graph_max_artifacts}}) {
    for (const char* name : names) {
      auto v = getenv(name);
      if (!v) continue;
      auto n = parse_int(name, *v, 0, 1000000000);
      if (!n) return n.error();
      *field = *n;
      break;
    }
  }
  if (auto v = getenv("PRAETOR_HANDLER_THREADS")) {
    auto n = parse_int("PRAETOR_HANDLER_THREADS", *v, 1, 1024);
    if (!n) return n.error();
    s.handler_threads = static_cast<int>(*n);
  }
  if (auto v = getenv("PRAETOR_SERVER_MEMORY_BUDGET_MB")) {
    auto n = parse_int("PRAETOR_SERVER_MEMORY_BUDGET_MB", *v, 64, 1 << 24);
    if (!n) return n.error();
    s.database_tuning.memory_budget_mb = *n;
  }
  if (auto v = getenv("PRAETOR_SERVER_MAX_CONNECTIONS")) {
    auto n = parse_int("PRAETOR_SERVER_MAX_CONNECTIONS", *v, 0, 1 << 20);
    if (!n) return n.error();
    s.max_connections = static_cast<int>(*n);
  }
  if (auto st = load_security_settings(getenv, s); !st) return st.error();
  if (auto st = refuse_unimplemented_settings(getenv); !st) return st.error();
  if (auto st = refuse_guarded_settings_in_files(getenv, read_file, s.home); !st) return st.error();
  if (auto v = first_set(getenv, {"PREFECT_SERVER_LOGGING_LEVEL", "PREFECT_LOGGING_SERVER_LEVEL"})) {
    auto level = parse_log_level(v->first, v->second, false);
    if (!level) return level.error();
    s.log_level = *level;
  }
  if (auto v = getenv("PRAETOR_ACCESS_LOG_LEVEL")) {
    auto level = parse_log_level("PRAETOR_ACCESS_LOG_LEVEL", *v, true);
    if (!level) return level.error();
    s.access_log_level = *level;
  }
  if (auto v = getenv("PRAETOR_LOG_FORMAT")) {
    std::string format = lower(*v);
    if (format != "text" && format != "json") {
      return core::Error::invalid("PRAETOR_LOG_FORMAT=" + *v + " is not a log format; use text or json");
    }
    s.log_format = format;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_METRICS_ENABLED", "PREFECT_API_ENABLE_METRICS"})) {
    auto b = parse_pydantic_bool(v->second);
    if (!b) return core::Error::invalid(v->first + "=" + v->second + " is not a boolean");
    s.metrics_enabled = *b;
  }
  if (auto st = load_service_settings(getenv, s.services); !st) return st.error();
  if (auto ui = load_ui_settings(getenv); !ui) return ui.error(); else s.ui = std::move(*ui);
  // Deployment concurrency: the AwaitingConcurrencySlot delay and the first lease's length.
  for (const char* name : {"PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS",
                           "PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS"}) {
    if (auto v = getenv(name)) {
      auto d = parse_duration_seconds(*v);
      if (!d || *d < 0) return core::Error::invalid(std::string(name) + "=" + *v + " is not a duration");
      s.deployment_concurrency_slot_wait_seconds = *d;
      break;
    }
  }
  for (const char* name : {"PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
                           "PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS"}) {
    if (auto v = getenv(name)) {
      auto d = parse_duration_seconds(*v);
      if (!d || *d < 0) return core::Error::invalid(std::string(name) + "=" + *v + " is not a duration");
      s.tag_concurrency_slot_wait_seconds = *d;
      break;
    }
  }
  if (auto v = getenv("PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION")) {
    auto d = parse_duration_seconds(*v);
    if (!d || *d < 30 || *d > 3600) {
      return core::Error::invalid("PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION=" + *v +
                                  " must be between 30 and 3600 seconds");
    }
    s.initial_deployment_lease_seconds = *d;
  }
  return s;
}

}  // namespace praetor::config
