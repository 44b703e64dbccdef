#include "schedules/cron_expression.h"

#include <algorithm>
#include <cctype>
#include <span>
#include <utility>

namespace praetor::schedules {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct Range {
  int min;
  int max;
};
constexpr std::array<Range, 7> kRanges{{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}, {0, 59}, {1970, 2099}}};
constexpr std::array<std::size_t, 7> kCountMeaningAll{60, 24, 31, 12, 7, 60, 130};
constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames{"sun", "mon", "tue", "wed",
                                                         "thu", "fri", "sat"};
constexpr int kDayIndex = 2, kMonthIndex = 3, kWeekdayIndex = 4;
constexpr int kLastMarker = -1;  // the `l` value of a day-of-month field

struct BadCron {};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool all_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
}

int to_int(std::string_view digits) {
  if (digits.size() > 6) return 1'000'000;  // out of every range
  return std::stoi(std::string(digits));
}

int name_index(std::string_view s, std::span<const std::string_view> names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == s) return static_cast<int>(i);
  }
  return -1;
}

// croniter's ALPHACONV: names a field accepts in place of numbers. Returns the value as
// text ("l" stays "l"); throws when the name is not accepted.
std::string alpha_value(int field, std::string_view key) {
  if (field == kDayIndex && key == "l") return "l";
  if (field == kMonthIndex) {
    if (int i = name_index(key, kMonthNames); i >= 0) return std::to_string(i + 1);
  }
  if (field == kWeekdayIndex) {
    if (int i = name_index(key, kWeekdayNames); i >= 0) return std::to_string(i);
  }
  throw BadCron{};
}

// croniter's LOWMAP (0 -> 1 for day and month, 7 -> 0 for weekday), applied only for the
// field counts croniter applies it to.
int value_alias(int field, int value, std::size_t field_count) {
  if (field_count == 5 && (field == kDayIndex || field == kMonthIndex)) return value;
  if (field_count == 6 && (field == kMonthIndex || field == kWeekdayIndex)) return value;
  if (field_count == 7 && (field == kDayIndex || field == kMonthIndex || field == kWeekdayIndex)) {
    return value;
  }
  if ((field == kDayIndex || field == kMonthIndex) && value == 0) return 1;
  if (field == kWeekdayIndex && value == 7) return 0;
  return value;
}

bool is_name_range(std::string_view s, std::span<const std::string_view> names) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) return name_index(s, names) >= 0;
  return name_index(s.substr(0, dash), names) >= 0 && name_index(s.substr(dash + 1), names) >= 0;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (true) {
    auto at = s.find(sep, from);
    parts.emplace_back(s.substr(from, at == std::string_view::npos ? s.npos : at - from));
    if (at == std::string_view::npos) break;
    from = at + 1;
  }
  return parts;
}

// Hashed or random fields: H, R, H(0-5), H/15, R(1-9)/2 ...
bool is_hash_expression(std::string_view e) {
  if (e.empty() || (e[0] != 'h' && e[0] != 'r')) return false;
  std::string_view rest = e.substr(1);
  if (!rest.empty() && rest[0] == '(') {
    auto close = rest.find(')');
    if (close == std::string_view::npos) return false;
    std::string_view inner = rest.substr(1, close - 1);
    auto dash = inner.find('-');
    if (dash == std::string_view::npos || !all_digits(inner.substr(0, dash)) ||
        !all_digits(inner.substr(dash + 1))) {
      return false;
    }
    rest = rest.substr(close + 1);
  }
  if (rest.empty()) return true;
  return rest[0] == '/' && all_digits(rest.substr(1));
}

struct StepMatch {
  std::string low, high, step;
};

// ^([^-]+)-([^-/]+)(/(\d+))?$
std::optional<StepMatch> match_step(std::string_view t) {
  auto dash = t.find('-');
  if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
  std::string_view low = t.substr(0, dash);
  std::string_view rest = t.substr(dash + 1);
  if (rest.find('-') != std::string_view::npos) return std::nullopt;
  auto slash = rest.find('/');
  std::string_view high = rest.substr(0, slash);
  if (high.empty()) return std::nullopt;
  std::string step = "1";
  if (slash != std::string_view::npos) {
    std::string_view s = rest.substr(slash + 1);
    if (!all_digits(s)) return std::nullopt;
    step = std::string(s);
  }
  return StepMatch{std::string(low), std::string(high), step};
}

}  // namespace

core::Result<CronExpression> CronExpression::parse(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::map<std::string, std::string, std::less<>> kAliases{
      {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"}};
  if (auto it = kAliases.find(lowered); it != kAliases.end()) lowered = it->second;

  std::vector<std::string> raw;
  {
    std::size_t i = 0;
    while (i < lowered.size()) {
      while (i < lowered.size() && std::isspace(static_cast<unsigned char>(lowered[i]))) ++i;
      std::size_t j = i;
      while (j < lowered.size() && !std::isspace(static_cast<unsigned char>(lowered[j]))) ++j;
      if (j > i) raw.push_back(lowered.substr(i, j - i));
      i = j;
    }
  }
  auto invalid = [&](std::string_view why) {
    return core::Error::invalid("Invalid cron string: \"" + std::string(text) + "\" (" +
                                std::string(why) + ")");
  };
  if (raw.size() < 5 || raw.size() > 7) {
    return invalid("exactly 5, 6 or 7 fields are required");
  }

  CronExpression expr;
  expr.field_count_ = static_cast<int>(raw.size());
  const std::size_t count = raw.size();
  try {
    for (int field = 0; field < static_cast<int>(count); ++field) {
      std::string e = raw[field];
      if (is_hash_expression(e)) return invalid("hashed and random expressions are unsupported");
      if (e.find('?') != std::string::npos) {
        if (e != "?" || (field != kDayIndex && field != kWeekdayIndex)) throw BadCron{};
        e = "*";
      }
      const Range range = kRanges[field];
      std::vector<std::string> pending = split(e, ',');
      std::set<int> values;
      bool star = false;
      while (!pending.empty()) {
        std::string item = std::move(pending.back());
        pending.pop_back();
        std::optional<int> nth;  // 1..5, or 0 for "last"
        if (field == kWeekdayIndex) {
          auto hash = item.find('#');
          if (item.size() >= 2 && item[0] == 'l' && all_digits(std::string_view(item).substr(1))) {
            nth = 0;
            item = item.substr(1);
          } else if (hash != std::string::npos && hash > 0 &&
                     all_digits(std::string_view(item).substr(hash + 1))) {
            std::string_view head = std::string_view(item).substr(0, hash);
            if (all_word(head) || is_name_range(head, kWeekdayNames) ||
                is_name_range(head, kMonthNames)) {
              int n = to_int(std::string_view(item).substr(hash + 1));
              if (n < 1 || n > 5) throw BadCron{};
              nth = n;
              item = std::string(head);
            }
          }
        }

        std::string t = item;
        if (t.size() >= 3 && t[0] == '*' && t[1] == '/') {
          t = std::to_string(range.min) + "-" + std::to_string(range.max) + t.substr(1);
        }
        std::optional<StepMatch> m = match_step(t);
        if (!m) {
          auto slash = item.rfind('/');
          if (slash != std::string::npos && slash > 0 && slash + 1 < item.size()) {
            t = item.substr(0, slash) + "-" + std::to_string(range.max) + item.substr(slash);
            m = match_step(t);
          } else {
            t = item;
          }
        }
        if (m) {
          std::string low = m->low, high = m->high;
          if (field == kDayIndex && high == "l") high = "31";
          if (!all_digits(low)) low = alpha_value(field, low);
          if (!all_digits(high)) high = alpha_value(field, high);
          if (!all_digits(low) || !all_digits(high)) throw BadCron{};
          int step = to_int(m->step);
          int lo = value_alias(field, to_int(low), count);
          int hi = value_alias(field, to_int(high), count);
          if (std::max(lo, hi) > range.max) throw BadCron{};
          if (step == 0) throw BadCron{};
          std::vector<int> generated;
          if (lo > hi) {
            // A range running backwards wraps around the end of the field (fri-mon).
            for (int v = lo; v <= range.max; v += step) generated.push_back(v);
            int skip = 0;
            if (!generated.empty()) {
              int already_skipped = range.max - generated.back();
              int position = generated.back() - range.min;
              int width = range.max - range.min + 1;
              if (position + step > width && already_skipped < step) skip = step - already_skipped;
            }
            for (int v = range.min + skip; v <= hi; v += step) generated.push_back(v);
          } else if (lo == hi) {
            // croniter reads `a-a` as the whole field.
            for (int v = range.min; v <= range.max; v += step) generated.push_back(v);
          } else {
            for (int v = lo; v <= hi; v += step) generated.push_back(v);
          }
          for (int v : generated) {
            std::string s = std::to_string(v);
            if (field == kWeekdayIndex && nth && *nth != 0) s += "#" + std::to_string(*nth);
            if (std::find(pending.begin(), pending.end(), s) == pending.end()) pending.push_back(s);
          }
          continue;
        }
        if (!t.empty() && t[0] == '-') throw BadCron{};
        if (t != "*" && !all_digits(t)) t = alpha_value(field, t);
        if (t == "*") {
          star = true;
          continue;
        }
        int v = t == "l" ? kLastMarker : value_alias(field, to_int(t), count);
        if (v != kLastMarker && (v < range.min || v > range.max)) throw BadCron{};
        values.insert(v);
        if (field == kWeekdayIndex && nth) expr.nth_weekday_[v].insert(*nth);
      }

      Field& f = expr.fields_[field];
      std::size_t distinct = values.size() + (star ? 1 : 0);
      bool collapse = distinct == kCountMeaningAll[field];
      if (collapse && field == kDayIndex && raw[kWeekdayIndex].find('*') == std::string::npos) {
        collapse = false;
      }
      if (collapse && field == kWeekdayIndex && raw[kDayIndex].find('*') == std::string::npos) {
        collapse = false;
      }
      f.any = star || collapse;
      if (!f.any) {
        f.last_day = values.erase(kLastMarker) > 0;
        f.values.assign(values.begin(), values.end());
      }
    }
  } catch (const BadCron&) {
    return invalid("not acceptable");
  }

  if (!expr.nth_weekday_.empty()) {
    const Field& dow = expr.fields_[kWeekdayIndex];
    if (!dow.any) {
      bool literal = std::any_of(dow.values.begin(), dow.values.end(),
                                 [&](int v) { return !expr.nth_weekday_.contains(v); });
      if (literal && dow.values.size() != 7) {
        return invalid("day-of-week cannot mix literal values and nth weekday");
      }
    }
  }
  // Fields beyond those given match anything (seconds default to 0 for 5 fields).
  if (count == 5) expr.fields_[kSecond] = Field{false, {0}, false};
  return expr;
}

bool CronExpression::field_has(Index i, int v) const {
  const Field& f = fields_[i];
  return f.any || std::binary_search(f.values.begin(), f.values.end(), v);
}

bool CronExpression::day_matches(int y, unsigned m, unsigned d, unsigned weekday,
                                 unsigned month_days, bool day_or) const {
  (void)y;
  (void)m;
  const Field& dom = fields_[kDay];
  const Field& dow = fields_[kWeekday];
  bool dom_ok = dom.any || std::binary_search(dom.values.begin(), dom.values.end(), int(d)) ||
                (dom.last_day && d == month_days);
  bool nth_ok = false;
  if (!nth_weekday_.empty()) {
    if (auto it = nth_weekday_.find(int(weekday)); it != nth_weekday_.end()) {
      for (int n : it->second) {
        if (n == 0 ? d + 7 > month_days : int((d - 1) / 7 + 1) == n) nth_ok = true;
      }
    }
  }
  bool dow_ok = nth_weekday_.empty() ? field_has(kWeekday, int(weekday)) : nth_ok;
  if (!dom.any && !dow.any && day_or) {
    // croniter's union: the day-of-month pass still applies an nth-weekday restriction.
    return (dom_ok && (nth_weekday_.empty() || nth_ok)) || dow_ok;
  }
  return dom_ok && dow_ok;
}

std::optional<LocalTime> CronExpression::next_after(LocalTime after, bool day_or) const {
  date::local_seconds from = std::chrono::floor<seconds>(after);
  if (field_count_ == 5) {
    from = std::chrono::floor<minutes>(from) + minutes(1);
  } else {
    from += seconds(1);
  }
  date::local_days day = std::chrono::floor<days>(from);
  const date::local_days last_day = day + days(366 * 50 + 13);
  bool first = true;
  for (; day <= last_day; day += days(1), first = false) {
    date::year_month_day ymd(day);
    int y = int(ymd.year());
    unsigned m = unsigned(ymd.month()), d = unsigned(ymd.day());
    if (field_count_ == 7 && !field_has(kYear, y)) continue;
    if (!field_has(kMonth, int(m))) continue;
    unsigned month_days = unsigned((ymd.year() / ymd.month() / date::last).day());
    unsigned weekday = date::weekday(day).c_encoding();
    if (!day_matches(y, m, d, weekday, month_days, day_or)) continue;

    date::hh_mm_ss<seconds> floor_tod(first ? from - day : seconds(0));
    int h0 = int(floor_tod.hours().count()), m0 = int(floor_tod.minutes().count()),
        s0 = int(floor_tod.seconds().count());
    for (int h = h0; h <= 23; ++h) {
      if (!field_has(kHour, h)) continue;
      for (int mi = h == h0 ? m0 : 0; mi <= 59; ++mi) {
        if (!field_has(kMinute, mi)) continue;
        for (int s = (h == h0 && mi == m0) ? s0 : 0; s <= 59; ++s) {
          if (!field_has(kSecond, s)) continue;
          return LocalTime(day + hours(h) + minutes(mi) + seconds(s));
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace praetor::schedules
