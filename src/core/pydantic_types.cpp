#include "core/pydantic_types.h"

#include <cctype>
#include <cmath>
#include <string>

namespace praetor::core {

JsonField with_fresh_errors(const JsonField& field) {
  return JsonField(field.value(), field.loc(), std::make_shared<json::array>());
}

std::optional<json::object> read_union(const JsonField& field, const std::vector<UnionMember>& members) {
  json::array collected;
  for (const auto& m : members) {
    json::array loc = field.loc();
    loc.emplace_back(m.tag);
    JsonField member(field.value(), loc, std::make_shared<json::array>());
    if (!field.value() || !field.value()->is_object()) {
      member.error("model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
    } else if (auto out = m.read(member); out && member.errors()->empty()) {
      return out;
    }
    for (auto& e : *member.errors()) collected.push_back(std::move(e));
  }
  for (auto& e : collected) field.errors()->push_back(std::move(e));
  return std::nullopt;
}

namespace {

// ISO 8601 durations: P[nD]T[nH][nM][n.nS] (weeks and years/months too, as pydantic: Y=365 days,
// M before T = 30 days).
std::optional<double> parse_iso_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  s.remove_prefix(1);
  bool in_time = false, any = false;
  double total = 0;
  while (!s.empty()) {
    if (s[0] == 'T' || s[0] == 't') {
      in_time = true;
      s.remove_prefix(1);
      continue;
    }
    std::size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0 || n == s.size()) return std::nullopt;
    double value = std::stod(std::string(s.substr(0, n)));
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[n])));
    double scale = 0;
    if (in_time) {
      scale = unit == 'H' ? 3600 : unit == 'M' ? 60 : unit == 'S' ? 1 : 0;
    } else {
      scale = unit == 'Y' ? 365 * 86400.0 : unit == 'M' ? 30 * 86400.0 : unit == 'W' ? 7 * 86400.0 : unit == 'D' ? 86400 : 0;
    }
    if (scale == 0) return std::nullopt;
    total += value * scale;
    any = true;
    s.remove_prefix(n + 1);
  }
  if (!any) return std::nullopt;
  return negative ? -total : total;
}

// "[-][D[ d[ays]][, ]][HH:MM:]SS[.ffffff]" and plain numbers.
std::optional<double> parse_clock_duration(std::string_view s) {
  std::string text(s);
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  double days = 0;
  if (auto d = text.find('d', i); d != std::string::npos) {
    std::string number = text.substr(i, d - i);
    while (!number.empty() && number.back() == ' ') number.pop_back();
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    days = std::stod(number);
    i = text.find_first_of("0123456789", d);
    if (i == std::string::npos) return negative ? -days * 86400 : days * 86400;
  }
  std::vector<double> parts;
  std::string part;
  for (; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':') {
      if (part.empty() || part.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
      parts.push_back(std::stod(part));
      part.clear();
    } else {
      part.push_back(text[i]);
    }
  }
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  // pydantic reads "HH:MM" (two parts) as hours and minutes, "HH:MM:SS" as it reads.
  if (parts.size() == 2) parts.push_back(0);
  double seconds = 0;
  for (double p : parts) seconds = seconds * 60 + p;
  seconds += days * 86400;
  return negative ? -seconds : seconds;
}

}  // namespace

std::optional<double> parse_timedelta(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return std::isfinite(value.get_double()) ? std::optional(value.get_double()) : std::nullopt;
  if (!value.is_string()) return std::nullopt;
  std::string_view s = value.get_string();
  if (auto iso = parse_iso_duration(s)) return iso;
  return parse_clock_duration(s);
}

std::optional<double> read_timedelta(const JsonField& field, bool non_negative) {
  if (!field.value()) return std::nullopt;
  const json::value& v = *field.value();
  auto seconds = parse_timedelta(v);
  if (!seconds) {
    if (v.is_string()) {
      field.error("time_delta_parsing", "Input should be a valid timedelta, invalid digit in duration",
                  json::object{{"error", "invalid digit in duration"}});
    } else {
      field.error("time_delta_type", "Input should be a valid timedelta");
    }
    return std::nullopt;
  }
  if (non_negative && *seconds < 0) {
    field.error("greater_than_equal", "Input should be greater than or equal to 0 seconds",
                json::object{{"ge", "0 seconds"}});
    return std::nullopt;
  }
  return seconds;
}

}  // namespace praetor::core
