#include "schedules/schedule_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <string_view>

#include "core/json_field.h"
#include "core/json_util.h"
#include "schedules/schedule_limits.h"

namespace praetor::schedules {

namespace json = boost::json;

namespace {

using std::chrono::microseconds;

using core::JsonField;

// A ValueError raised in one of Prefect's validators, as pydantic renders it.
void value_error(const JsonField& at, const std::string& message) {
  at.error("value_error", "Value error, " + message, json::object{{"error", message}});
}

// The schedule models forbid extra fields.
void reject_unknown_fields(const JsonField& model, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : *model.object()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      model.child(key).error("extra_forbidden", "Extra inputs are not permitted");
    }
  }
}

// Runs `parse` on a fresh error list rooted at `loc`; its result, or the 422 listing every
// error it recorded.
template <class T, class Parse>
core::Result<T> parse_model(const json::value& v, json::array loc, Parse parse) {
  if (!v.is_object()) {
    return core::validation_error(loc, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", v);
  }
  JsonField model(&v, std::move(loc), std::make_shared<json::array>());
  T out{};
  parse(model, out);
  if (model.errors()->empty()) return out;
  return core::invalid_request(*model.errors());
}

// A required string field: absent is "missing", null or another type is "string_type".
std::optional<std::string> required_string(const JsonField& model, std::string_view key) {
  JsonField f = model.child(key);
  if (!model.has_key(key)) {
    model.missing(key);
  } else if (!f.set()) {
    f.error("string_type", "Input should be a valid string");
  } else {
    return f.string();
  }
  return std::nullopt;
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

std::string invalid_timezone_message(std::string_view name) {
  return "Invalid timezone: \"" + std::string(name) +
         "\" (specify in IANA tzdata format, for example, America/New_York)";
}

// Interval and cron schedules check the zone in a model validator (loc = the model), which
// runs only when the fields themselves are valid.
std::optional<Zone> model_zone(const JsonField& model) {
  JsonField tz = model.child("timezone");
  auto name = tz.string();
  if (!name) return tz.set() ? std::nullopt : std::optional<Zone>(Zone::utc());
  if (name->empty()) return Zone::utc();
  auto zone = Zone::find(*name);
  if (!zone) value_error(model, invalid_timezone_message(*name));
  return zone;
}

// The interval as pydantic reads a timedelta: seconds, an ISO-8601 duration or "HH:MM:SS".
std::optional<microseconds> read_interval(const JsonField& f) {
  const json::value& v = *f.value();
  std::optional<microseconds> d;
  if (v.is_number()) {
    d = seconds_to_micros(v.to_number<double>());
    if (!d) f.error("time_delta_parsing", "Input should be a valid timedelta");
  } else if (v.is_string()) {
    d = parse_duration(v.get_string());
    if (!d) f.error("time_delta_parsing", "Input should be a valid timedelta, invalid digit in duration");
  } else {
    f.error("time_delta_type", "Input should be a valid timedelta");
  }
  if (d && d->count() <= 0) {
    value_error(f, "interval must be positive");
    return std::nullopt;
  }
  return d;
}

// croniter accepts a bare `R` (random) field; Prefect then refuses it with its own message.
bool has_random_field(const std::string& cron) {
  std::size_t i = 0;
  while (i < cron.size()) {
    while (i < cron.size() && std::isspace(static_cast<unsigned char>(cron[i]))) ++i;
    std::size_t j = i;
    while (j < cron.size() && !std::isspace(static_cast<unsigned char>(cron[j]))) ++j;
    if (j == i + 1 && (cron[i] == 'r' || cron[i] == 'R')) return true;
    i = j;
  }
  return false;
}

}  // namespace

core::Result<IntervalSchedule> parse_interval_schedule(const json::value& v, json::array loc,
                                                       core::Timestamp now) {
  return parse_model<IntervalSchedule>(v, std::move(loc), [now](const JsonField& model, IntervalSchedule& s) {
    s.anchor_date = now;
    if (!model.has_key("interval")) {
      model.missing("interval");
    } else if (auto d = read_interval(model.child("interval"))) {
      s.interval = *d;
    }
    if (auto anchor = model.child("anchor_date").timestamp()) s.anchor_date = *anchor;
    reject_unknown_fields(model, {"interval", "anchor_date", "timezone"});
    if (model.errors()->empty()) {
      if (auto zone = model_zone(model)) s.zone = *zone;
    }
  });
}

core::Result<CronSchedule> parse_cron_schedule(const json::value& v, json::array loc) {
  return parse_model<CronSchedule>(v, std::move(loc), [](const JsonField& model, CronSchedule& s) {
    if (auto text = required_string(model, "cron")) {
      s.cron = *text;
      if (auto parsed = CronExpression::parse(s.cron)) {
        s.expression = *parsed;
      } else {
        value_error(model.child("cron"), has_random_field(s.cron)
                              ? "Random and Hashed expressions are unsupported, received: \"" + s.cron + "\""
                              : "Invalid cron string: \"" + s.cron + "\"");
      }
    }
    JsonField day_or = model.child("day_or");
    if (model.has_key("day_or") && !day_or.set()) {
      day_or.error("bool_type", "Input should be a valid boolean");  // `day_or: bool`, not Optional
    } else if (auto b = day_or.boolean()) {
      s.day_or = *b;
    }
    reject_unknown_fields(model, {"cron", "timezone", "day_or"});
    if (model.errors()->empty()) {
      if (auto zone = model_zone(model)) s.zone = *zone;
      s.timezone = model.child("timezone").string();
    }
  });
}

core::Result<RRuleSchedule> parse_rrule_schedule(const json::value& v, json::array loc) {
  return parse_model<RRuleSchedule>(v, std::move(loc), [](const JsonField& model, RRuleSchedule& s) {
    JsonField rrule = model.child("rrule");
    if (auto text = required_string(model, "rrule")) {
      s.rrule = *text;
      auto parsed = parse_rrule_set(s.rrule);
      if (!parsed) {
        value_error(rrule, parsed.error().message);
      } else if (s.rrule.size() > kMaxRRuleLength) {
        value_error(rrule, "Invalid RRule string \"" + s.rrule.substr(0, 40) + "...\"\nMax length is " +
                               std::to_string(kMaxRRuleLength) + ", got " + std::to_string(s.rrule.size()));
      } else {
        s.rule = std::move(parsed).value();
      }
    }
    JsonField tz = model.child("timezone");
    if (auto name = tz.string()) {
      if (auto zone = Zone::find(*name)) {
        s.zone = *zone;
      } else {
        // Prefect's TimeZone type is a pattern of every zone name.
        tz.error("string_pattern_mismatch", "String should match pattern of IANA time zone names");
      }
    }
    reject_unknown_fields(model, {"rrule", "timezone"});
  });
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
      return json::object{{"cron", s.cron},
                          {"timezone", s.timezone ? json::value(*s.timezone) : json::value(nullptr)},
                          {"day_or", s.day_or}};
    }
    json::value operator()(const RRuleSchedule& s) const {
      return json::object{{"rrule", s.rrule}, {"timezone", s.zone.name()}};
    }
  };
  return std::visit(Visitor{}, schedule);
}

}  // namespace praetor::schedules
