#include "config/db_vacuum_settings.h"

#include <boost/json.hpp>
#include <cmath>
#include <regex>
#include <set>

#include "config/settings.h"

namespace praetor::config {

namespace json = boost::json;

namespace {

constexpr const char* kPrefix = "PREFECT_SERVER_SERVICES_DB_VACUUM_";

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Prefect's _parse_vacuum_enabled then enabled_vacuum_types: the names are case-sensitive;
// a JSON list is read as pydantic-settings decodes a complex value.
core::Result<core::Ok> parse_enabled(const std::string& name, const std::string& value, DbVacuumSettings& s) {
  const std::string lowered = lower(trim(value));
  std::set<std::string> types;
  if (lowered == "true" || lowered == "1") {
    types = {"events", "flow_runs"};
  } else if (lowered == "false" || lowered == "0" || lowered.empty()) {
    types = {"events"};
  } else if (trim(value).front() == '[') {
    boost::system::error_code ec;
    json::value list = json::parse(value, ec);
    if (ec || !list.is_array()) return core::Error::invalid(name + " is not a list of vacuum types");
    for (const auto& item : list.as_array()) {
      if (!item.is_string()) return core::Error::invalid(name + " is not a list of vacuum types");
      types.insert(std::string(item.get_string()));
    }
  } else {
    std::string rest = value;
    size_t pos = 0;
    while (pos <= rest.size()) {
      size_t comma = rest.find(',', pos);
      std::string part = trim(rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      if (!part.empty()) types.insert(part);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  std::string invalid;
  for (const auto& t : types) {
    if (t != "events" && t != "flow_runs" && t != "orphans") invalid += (invalid.empty() ? "" : ", ") + t;
  }
  if (!invalid.empty()) {
    return core::Error::invalid(name + " names invalid vacuum type(s) (" + invalid +
                                "); valid values are events, flow_runs, orphans");
  }
  s.events = types.count("events") > 0;
  s.flow_runs = types.count("flow_runs") > 0;
  s.orphans = s.flow_runs || types.count("orphans") > 0;
  return core::Ok{};
}

core::Result<double> positive_seconds(const std::string& name, const std::string& value) {
  auto d = parse_timedelta_seconds(value);
  if (!d || !std::isfinite(*d) || *d <= 0) return core::Error::invalid(name + "=" + value + " is not a positive duration");
  return *d;
}

core::Result<double> positive_number(const std::string& name, const std::string& value) {
  try {
    size_t used = 0;
    double v = std::stod(trim(value), &used);
    if (used == trim(value).size() && std::isfinite(v) && v > 0) return v;
  } catch (const std::exception&) {
  }
  return core::Error::invalid(name + "=" + value + " is not a number greater than 0");
}

core::Result<std::vector<std::pair<std::string, double>>> parse_overrides(const std::string& name,
                                                                          const std::string& value) {
  boost::system::error_code ec;
  json::value doc = json::parse(value, ec);
  if (ec || !doc.is_object()) return core::Error::invalid(name + " is not a JSON object of event type to seconds");
  std::vector<std::pair<std::string, double>> out;
  for (const auto& kv : doc.as_object()) {
    std::optional<double> seconds;
    if (kv.value().is_number()) seconds = kv.value().to_number<double>();
    if (kv.value().is_string()) seconds = parse_timedelta_seconds(std::string(kv.value().get_string()));
    if (!seconds) return core::Error::invalid(name + ": the retention of " + std::string(kv.key()) + " is not a duration");
    if (!(*seconds > 0)) {
      return core::Error::invalid(name + ": the retention of " + std::string(kv.key()) + " must be positive");
    }
    out.emplace_back(std::string(kv.key()), *seconds);
  }
  return out;
}

}  // namespace

std::optional<double> parse_timedelta_seconds(const std::string& raw) {
  const std::string text = trim(raw);
  if (text.empty()) return std::nullopt;
  if (auto d = parse_duration_seconds(text)) return d;
  // pydantic's "[D day[s][,]] [HH:MM[:SS[.f]]]".
  static const std::regex kForm(
      R"(^(?:([0-9]+)\s*(?:d|days?)\s*,?\s*)?(?:([0-9]+):([0-9]{1,2})(?::([0-9]{1,2}(?:\.[0-9]+)?))?)?$)",
      std::regex::icase);
  std::smatch m;
  if (!std::regex_match(text, m, kForm) || (!m[1].matched && !m[2].matched)) return std::nullopt;
  double total = 0;
  if (m[1].matched) total += std::stod(m[1].str()) * 86400;
  if (m[2].matched) total += std::stod(m[2].str()) * 3600 + std::stod(m[3].str()) * 60;
  if (m[4].matched) total += std::stod(m[4].str());
  return total;
}

core::Result<DbVacuumSettings> load_db_vacuum_settings(const Getenv& getenv) {
  DbVacuumSettings s;
  auto env = [&](const char* field) -> std::optional<std::pair<std::string, std::string>> {
    std::string name = std::string(kPrefix) + field;
    if (auto v = getenv(name)) return std::make_pair(name, *v);
    return std::nullopt;
  };
  if (auto v = env("ENABLED")) {
    if (auto st = parse_enabled(v->first, v->second, s); !st) return st.error();
  }
  if (auto v = env("LOOP_SECONDS")) {
    auto d = positive_number(v->first, v->second);
    if (!d) return d.error();
    s.loop_seconds = *d;
  }
  if (auto v = env("ORPHAN_CLEANUP_LOOP_SECONDS")) {
    auto d = positive_number(v->first, v->second);
    if (!d) return d.error();
    s.orphan_cleanup_loop_seconds = *d;
  }
  if (auto v = env("RETENTION_PERIOD")) {
    auto d = positive_seconds(v->first, v->second);
    if (!d) return d.error();
    if (*d <= 3600) return core::Error::invalid(v->first + "=" + v->second + " must be longer than 1 hour");
    s.retention_period_seconds = *d;
  }
  if (auto v = env("BATCH_SIZE")) {
    try {
      size_t used = 0;
      long long n = std::stoll(trim(v->second), &used);
      if (used != trim(v->second).size() || n <= 0) throw std::out_of_range("range");
      s.batch_size = n;
    } catch (const std::exception&) {
      return core::Error::invalid(v->first + "=" + v->second + " is not an integer greater than 0");
    }
  }
  if (auto v = env("EVENT_RETENTION_OVERRIDES")) {
    auto overrides = parse_overrides(v->first, v->second);
    if (!overrides) return overrides.error();
    s.event_retention_overrides = std::move(*overrides);
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD", "PREFECT_EVENTS_RETENTION_PERIOD"})) {
    auto d = parse_timedelta_seconds(v->second);
    if (!d || !std::isfinite(*d) || *d < 0) {
      return core::Error::invalid(v->first + "=" + v->second + " is not a duration");
    }
    s.events_retention_period_seconds = *d;
  }
  return s;
}

}  // namespace praetor::config
