#include "schedules/schedule_json.h"

#include <cctype>
#include <cmath>
#include <initializer_list>
#include <string_view>

#include "core/json_util.h"
#include "schedules/schedule_limits.h"

namespace praetor::schedules {

namespace json = boost::json;

namespace {

using std::chrono::microseconds;

json::array loc_with(json::array loc, std::string_view key) {
  loc.emplace_back(key);
  return loc;
}

// A value_error entry as pydantic renders a ValueError raised in a validator.
json::object value_error(json::array loc, const std::string& message, const json::value& input) {
  return json::object{{"type", "value_error"},
                      {"loc", std::move(loc)},
                      {"msg", "Value error, " + message},
                      {"input", input},
                      {"ctx", json::object{{"error", message}}}};
}

// Collects pydantic-shaped entries for one model.
class Errors {
 public:
  void add(json::object entry) { entries_.push_back(std::move(entry)); }
  bool empty() const { return entries_.empty(); }
  core::Error error() const {
    core::Error e = core::Error::invalid("Invalid request received.");
    e.detail = entries_;
    return e;
  }

 private:
  json::array entries_;
};

void reject_unknown_fields(const json::object& obj, std::initializer_list<std::string_view> known,
                           const json::array& loc, Errors& errors) {
  for (const auto& [key, value] : obj) {
    bool ok = false;
    for (auto k : known) ok = ok || k == key;
    if (!ok) {
      errors.add(json::object{{"type", "extra_forbidden"},
                              {"loc", loc_with(loc, key)},
                              {"msg", "Extra inputs are not permitted"},
                              {"input", value}});
    }
  }
}

json::object missing(json::array loc, const json::value& input) {
  return json::object{{"type", "missing"}, {"loc", std::move(loc)}, {"msg", "Field required"}, {"input", input}};
}

json::object type_error(json::array loc, std::string_view type, std::string_view msg, const json::value& input) {
  return json::object{{"type", type}, {"loc", std::move(loc)}, {"msg", msg}, {"input", input}};
}

std::optional<microseconds> seconds_to_micros(double s) {
  if (!std::isfinite(s) || std::fabs(s) > 1e15) return std::nullopt;
  return microseconds(static_cast<int64_t>(std::llround(s * 1e6)));
}

// ISO-8601 durations (P[nW][nD][T[nH][nM][n[.f]S]]), [-][D day[s], ]HH:MM[:SS[.f]] and plain
// numbers of seconds, the string forms pydantic accepts for a timedelta.
std::optional<microseconds> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto number = [](std::string_view t) -> std::optional<double> {
    if (t.empty()) return std::nullopt;
    int dots = 0;
    for (char c : t) {
      if (c == '.') ++dots;
      else if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    if (dots > 1 || t == ".") return std::nullopt;
    return std::stod(std::string(t));
  };
  double total = 0;
  if (s[0] == 'P' || s[0] == 'p') {
    s.remove_prefix(1);
    bool in_time = false, any = false;
    std::size_t from = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
      if (c == 'T' && i == from) {
        in_time = true;
        from = i + 1;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') continue;
      auto v = number(s.substr(from, i - from));
      if (!v) return std::nullopt;
      double unit = 0;
      if (!in_time && c == 'W') unit = 7 * 86400;
      else if (!in_time && c == 'D') unit = 86400;
      else if (in_time && c == 'H') unit = 3600;
      else if (in_time && c == 'M') unit = 60;
      else if (in_time && c == 'S') unit = 1;
      else return std::nullopt;
      total += *v * unit;
      any = true;
      from = i + 1;
    }
    if (!any || from != s.size()) return std::nullopt;
  } else if (s.find(':') != std::string_view::npos) {
    double day_part = 0;
    if (auto comma = s.find(','); comma != std::string_view::npos) {
      std::string_view d = s.substr(0, comma);
      auto space = d.find(' ');
      auto v = number(d.substr(0, space));
      if (!v) return std::nullopt;
      day_part = *v * 86400;
      s = s.substr(comma + 1);
      while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    }
    std::vector<double> parts;
    std::size_t from = 0;
    while (true) {
      auto colon = s.find(':', from);
      auto v = number(s.substr(from, colon == std::string_view::npos ? s.npos : colon - from));
      if (!v) return std::nullopt;
      parts.push_back(*v);
      if (colon == std::string_view::npos) break;
      from = colon + 1;
    }
    if (parts.size() == 2) total = parts[0] * 3600 + parts[1] * 60;
    else if (parts.size() == 3) total = parts[0] * 3600 + parts[1] * 60 + parts[2];
    else return std::nullopt;
    total += day_part;
  } else {
    auto v = number(s);
    if (!v) return std::nullopt;
    total = *v;
  }
  return seconds_to_micros(negative ? -total : total);
}

// pydantic's lax bool.
std::optional<bool> lax_bool(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64() && (v.get_int64() == 0 || v.get_int64() == 1)) return v.get_int64() == 1;
  if (v.is_string()) {
    std::string s(v.get_string());
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto t : {"true", "1", "yes", "y", "on", "t"}) if (s == t) return true;
    for (auto f : {"false", "0", "no", "n", "off", "f"}) if (s == f) return false;
  }
  return std::nullopt;
}

std::string invalid_timezone_message(std::string_view name) {
  return "Invalid timezone: \"" + std::string(name) +
         "\" (specify in IANA tzdata format, for example, America/New_York)";
}

// Interval and cron schedules check the zone in a model validator (loc = the model).
std::optional<Zone> model_zone(const json::object& obj, const json::array& loc, Errors& errors,
                               const json::value& input) {
  auto it = obj.find("timezone");
  if (it == obj.end() || it->value().is_null()) return Zone::utc();
  if (!it->value().is_string()) {
    errors.add(type_error(loc_with(loc, "timezone"), "string_type", "Input should be a valid string", it->value()));
    return std::nullopt;
  }
  std::string_view name = it->value().get_string();
  if (name.empty()) return Zone::utc();
  auto zone = Zone::find(name);
  if (!zone) {
    if (errors.empty()) errors.add(value_error(loc, invalid_timezone_message(name), input));
    return std::nullopt;
  }
  return zone;
}

}  // namespace

core::Result<IntervalSchedule> parse_interval_schedule(const json::value& v, json::array loc,
                                                       core::Timestamp now) {
  Errors errors;
  if (!v.is_object()) {
    return core::validation_error(loc, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", v);
  }
  const json::object& obj = v.get_object();
  IntervalSchedule s;
  s.anchor_date = now;
  auto interval = obj.find("interval");
  if (interval == obj.end()) {
    errors.add(missing(loc_with(loc, "interval"), v));
  } else {
    const json::value& iv = interval->value();
    std::optional<microseconds> d;
    if (iv.is_number() && !iv.is_bool()) {
      d = seconds_to_micros(iv.to_number<double>());
      if (!d) errors.add(type_error(loc_with(loc, "interval"), "time_delta_parsing", "Input should be a valid timedelta", iv));
    } else if (iv.is_string()) {
      d = parse_duration(iv.get_string());
      if (!d) {
        errors.add(type_error(loc_with(loc, "interval"), "time_delta_parsing",
                              "Input should be a valid timedelta, invalid digit in duration", iv));
      }
    } else {
      errors.add(type_error(loc_with(loc, "interval"), "time_delta_type", "Input should be a valid timedelta", iv));
    }
    if (d && d->count() <= 0) {
      errors.add(value_error(loc_with(loc, "interval"), "interval must be positive", iv));
    } else if (d) {
      s.interval = *d;
    }
  }
  if (auto a = obj.find("anchor_date"); a != obj.end() && !a->value().is_null()) {
    std::optional<core::Timestamp> t;
    if (a->value().is_string()) t = core::parse_timestamp(a->value().get_string());
    if (t) {
      s.anchor_date = *t;
    } else {
      std::string shown = a->value().is_string() ? std::string(a->value().get_string()) : json::serialize(a->value());
      errors.add(value_error(loc_with(loc, "anchor_date"), "Unable to parse string [" + shown + "]", a->value()));
    }
  }
  reject_unknown_fields(obj, {"interval", "anchor_date", "timezone"}, loc, errors);
  if (errors.empty()) {
    if (auto zone = model_zone(obj, loc, errors, v)) s.zone = *zone;
  }
  if (!errors.empty()) return errors.error();
  return s;
}

core::Result<CronSchedule> parse_cron_schedule(const json::value& v, json::array loc) {
  Errors errors;
  if (!v.is_object()) {
    return core::validation_error(loc, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", v);
  }
  const json::object& obj = v.get_object();
  CronSchedule s;
  auto cron = obj.find("cron");
  if (cron == obj.end()) {
    errors.add(missing(loc_with(loc, "cron"), v));
  } else if (!cron->value().is_string()) {
    errors.add(type_error(loc_with(loc, "cron"), "string_type", "Input should be a valid string", cron->value()));
  } else {
    s.cron = std::string(cron->value().get_string());
    auto parsed = CronExpression::parse(s.cron);
    if (parsed) {
      s.expression = *parsed;
    } else {
      // croniter accepts a bare `R` (random); Prefect then refuses it with its own message.
      bool random = false;
      std::size_t i = 0;
      const std::string& text = s.cron;
      while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        std::size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        if (j == i + 1 && (text[i] == 'r' || text[i] == 'R')) random = true;
        i = j;
      }
      std::string message = random ? "Random and Hashed expressions are unsupported, received: \"" + s.cron + "\""
                                   : "Invalid cron string: \"" + s.cron + "\"";
      errors.add(value_error(loc_with(loc, "cron"), message, cron->value()));
    }
  }
  if (auto d = obj.find("day_or"); d != obj.end()) {
    if (auto b = lax_bool(d->value())) {
      s.day_or = *b;
    } else {
      errors.add(type_error(loc_with(loc, "day_or"), "bool_parsing",
                            "Input should be a valid boolean, unable to interpret input", d->value()));
    }
  }
  reject_unknown_fields(obj, {"cron", "timezone", "day_or"}, loc, errors);
  if (errors.empty()) {
    if (auto zone = model_zone(obj, loc, errors, v)) s.zone = *zone;
  }
  if (!errors.empty()) return errors.error();
  return s;
}

core::Result<RRuleSchedule> parse_rrule_schedule(const json::value& v, json::array loc) {
  Errors errors;
  if (!v.is_object()) {
    return core::validation_error(loc, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", v);
  }
  const json::object& obj = v.get_object();
  RRuleSchedule s;
  auto rrule = obj.find("rrule");
  if (rrule == obj.end()) {
    errors.add(missing(loc_with(loc, "rrule"), v));
  } else if (!rrule->value().is_string()) {
    errors.add(type_error(loc_with(loc, "rrule"), "string_type", "Input should be a valid string", rrule->value()));
  } else {
    s.rrule = std::string(rrule->value().get_string());
    auto parsed = parse_rrule_set(s.rrule);
    if (!parsed) {
      errors.add(value_error(loc_with(loc, "rrule"), parsed.error().message, rrule->value()));
    } else if (s.rrule.size() > kMaxRRuleLength) {
      errors.add(value_error(loc_with(loc, "rrule"),
                             "Invalid RRule string \"" + s.rrule.substr(0, 40) + "...\"\nMax length is " +
                                 std::to_string(kMaxRRuleLength) + ", got " + std::to_string(s.rrule.size()),
                             rrule->value()));
    } else {
      s.rule = std::move(parsed).value();
    }
  }
  if (auto tz = obj.find("timezone"); tz != obj.end() && !tz->value().is_null()) {
    if (!tz->value().is_string()) {
      errors.add(type_error(loc_with(loc, "timezone"), "string_type", "Input should be a valid string", tz->value()));
    } else if (auto zone = Zone::find(tz->value().get_string())) {
      s.zone = *zone;
    } else {
      // Prefect's TimeZone type is a pattern of every zone name.
      errors.add(json::object{{"type", "string_pattern_mismatch"},
                              {"loc", loc_with(loc, "timezone")},
                              {"msg", "String should match pattern of IANA time zone names"},
                              {"input", tz->value()}});
    }
  }
  reject_unknown_fields(obj, {"rrule", "timezone"}, loc, errors);
  if (!errors.empty()) return errors.error();
  return s;
}

core::Result<Schedule> parse_schedule(const json::value& v, json::array loc, core::Timestamp now) {
  if (v.is_object()) {
    const json::object& obj = v.get_object();
    if (obj.contains("interval")) {
      auto r = parse_interval_schedule(v, loc, now);
      if (!r) return r.take_error();
      return Schedule(std::move(r).value());
    }
    if (obj.contains("cron")) {
      auto r = parse_cron_schedule(v, loc);
      if (!r) return r.take_error();
      return Schedule(std::move(r).value());
    }
    if (obj.contains("rrule")) {
      auto r = parse_rrule_schedule(v, loc);
      if (!r) return r.take_error();
      return Schedule(std::move(r).value());
    }
  }
  return core::validation_error(loc, "union_tag_not_found",
                                "Input should be an interval, cron or rrule schedule", v);
}

json::value to_json(const Schedule& schedule) {
  struct Visitor {
    json::value operator()(const IntervalSchedule& s) const {
      return json::object{{"interval", static_cast<double>(s.interval.count()) / 1e6},
                          {"anchor_date", core::format_timestamp(s.anchor_date)},
                          {"timezone", s.zone.name()}};
    }
    json::value operator()(const CronSchedule& s) const {
      return json::object{{"cron", s.cron}, {"timezone", s.zone.name()}, {"day_or", s.day_or}};
    }
    json::value operator()(const RRuleSchedule& s) const {
      return json::object{{"rrule", s.rrule}, {"timezone", s.zone.name()}};
    }
  };
  return std::visit(Visitor{}, schedule);
}

}  // namespace praetor::schedules
