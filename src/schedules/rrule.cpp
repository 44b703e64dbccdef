#include "schedules/rrule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <numeric>
#include <set>
#include <string>

namespace praetor::schedules {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kMaxYear = 9999;

struct BadRule {
  std::string why;
};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
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

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Python int() on a short decimal with an optional sign.
std::optional<long long> parse_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (!all_digits(s) || s.size() > 12) return std::nullopt;
  long long v = std::stoll(std::string(s));
  return negative ? -v : v;
}

struct ParsedDate {
  WallSeconds wall;
  bool aware = false;
};

// The date forms dateutil's parser meets in rules: 20200101, 20200101T093000, 2020-01-01,
// 2020-01-01T09:30[:00], each with an optional Z or numeric offset (which only marks the value
// as zone-aware: Prefect keeps the wall time).
std::optional<ParsedDate> parse_date(std::string_view s) {
  ParsedDate out;
  if (!s.empty() && s.back() == 'Z') {
    out.aware = true;
    s.remove_suffix(1);
  } else if (s.size() > 6) {
    auto sign = s.find_last_of("+-");
    if (sign != std::string_view::npos && sign >= 8 && s.find('T') != std::string_view::npos &&
        sign > s.find('T')) {
      out.aware = true;
      s = s.substr(0, sign);
    }
  }
  std::string digits_date, digits_time;
  auto t = s.find('T');
  std::string_view date_part = s.substr(0, t);
  std::string_view time_part = t == std::string_view::npos ? std::string_view() : s.substr(t + 1);
  for (char c : date_part) {
    if (c != '-') digits_date += c;
  }
  for (char c : time_part) {
    if (c != ':') digits_time += c;
  }
  if (digits_date.size() != 8 || !all_digits(digits_date)) return std::nullopt;
  if (t != std::string_view::npos) {
    if (digits_time.size() == 4) digits_time += "00";
    if (digits_time.size() != 6 || !all_digits(digits_time)) return std::nullopt;
  } else {
    digits_time = "000000";
  }
  int y = std::stoi(digits_date.substr(0, 4));
  unsigned mo = std::stoul(digits_date.substr(4, 2)), d = std::stoul(digits_date.substr(6, 2));
  int h = std::stoi(digits_time.substr(0, 2)), mi = std::stoi(digits_time.substr(2, 2)),
      se = std::stoi(digits_time.substr(4, 2));
  date::year_month_day ymd{date::year(y), date::month(mo), date::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
  out.wall = date::local_days(ymd) + hours(h) + minutes(mi) + seconds(se);
  return out;
}

std::vector<int> sorted_unique(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool contains(const std::vector<int>& v, int x) { return std::binary_search(v.begin(), v.end(), x); }

int weekday_index(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames{"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
  for (int i = 0; i < 7; ++i) {
    if (kNames[i] == name) return i;
  }
  return -1;
}

int monday_weekday(date::local_days d) { return int(date::weekday(d).iso_encoding()) - 1; }

struct RuleParts {
  std::optional<Frequency> freq;
  int interval = 1;
  std::optional<long long> count;
  std::optional<ParsedDate> until;
  int wkst = 0;
  std::optional<std::vector<int>> bysetpos, bymonth, bymonthday, byyearday, byweekno, byhour,
      byminute, bysecond;
  std::optional<std::vector<std::pair<int, int>>> byweekday;  // (weekday, n or 0)
};

std::vector<int> int_list(std::string_view name, std::string_view value) {
  std::vector<int> out;
  for (const std::string& item : split(value, ',')) {
    auto v = parse_int(item);
    if (!v) throw BadRule{"invalid '" + std::string(name) + "': " + std::string(value)};
    out.push_back(static_cast<int>(*v));
  }
  return out;
}

RuleParts parse_rule_line(std::string_view line) {
  std::string_view value = line;
  if (line.find(':') != std::string_view::npos) {
    auto parts = split(line, ':');
    if (parts.size() != 2) throw BadRule{"too many values to unpack"};
    if (parts[0] != "RRULE") throw BadRule{"unknown parameter name"};
    value = line.substr(line.find(':') + 1);
  }
  RuleParts r;
  for (const std::string& pair : split(value, ';')) {
    auto kv = split(pair, '=');
    if (kv.size() != 2) throw BadRule{"not enough values to unpack"};
    const std::string& name = kv[0];
    const std::string& v = kv[1];
    auto invalid = BadRule{"invalid '" + name + "': " + v};
    if (name == "FREQ") {
      static const std::map<std::string, Frequency, std::less<>> kFreq{
          {"YEARLY", Frequency::kYearly},     {"MONTHLY", Frequency::kMonthly},
          {"WEEKLY", Frequency::kWeekly},     {"DAILY", Frequency::kDaily},
          {"HOURLY", Frequency::kHourly},     {"MINUTELY", Frequency::kMinutely},
          {"SECONDLY", Frequency::kSecondly}};
      auto it = kFreq.find(v);
      if (it == kFreq.end()) throw invalid;
      r.freq = it->second;
    } else if (name == "INTERVAL" || name == "COUNT") {
      auto n = parse_int(v);
      if (!n) throw invalid;
      if (name == "COUNT") {
        r.count = *n;
      } else {
        // dateutil loops forever on INTERVAL=0; Praetor refuses it.
        if (*n < 1) throw BadRule{"INTERVAL must be positive"};
        r.interval = static_cast<int>(std::min<long long>(*n, 1'000'000));
      }
    } else if (name == "UNTIL") {
      r.until = parse_date(v);
      if (!r.until) throw invalid;
    } else if (name == "WKST") {
      r.wkst = weekday_index(v);
      if (r.wkst < 0) throw invalid;
    } else if (name == "BYSETPOS") {
      r.bysetpos = int_list(name, v);
    } else if (name == "BYMONTH") {
      r.bymonth = int_list(name, v);
    } else if (name == "BYMONTHDAY") {
      r.bymonthday = int_list(name, v);
    } else if (name == "BYYEARDAY") {
      r.byyearday = int_list(name, v);
    } else if (name == "BYWEEKNO") {
      r.byweekno = int_list(name, v);
    } else if (name == "BYHOUR") {
      r.byhour = int_list(name, v);
    } else if (name == "BYMINUTE") {
      r.byminute = int_list(name, v);
    } else if (name == "BYSECOND") {
      r.bysecond = int_list(name, v);
    } else if (name == "BYDAY" || name == "BYWEEKDAY") {
      std::vector<std::pair<int, int>> days;
      for (const std::string& item : split(v, ',')) {
        std::size_t i = 0;
        while (i < item.size() && std::string_view("+-0123456789").find(item[i]) != std::string_view::npos) ++i;
        int n = 0;
        if (i > 0) {
          auto parsed = parse_int(std::string_view(item).substr(0, i));
          if (!parsed || *parsed == 0) throw invalid;
          n = static_cast<int>(*parsed);
        }
        int wd = weekday_index(std::string_view(item).substr(i));
        if (wd < 0) throw invalid;
        days.emplace_back(wd, n);
      }
      r.byweekday = days;
    } else {
      throw BadRule{"unknown parameter '" + name + "'"};
    }
  }
  return r;
}

void check_range(const std::vector<int>& v, int lo, int hi, const char* what) {
  for (int x : v) {
    if (x < lo || x > hi) throw BadRule{std::string(what) + " out of range"};
  }
}

// dateutil's rrule.__init__: defaults from DTSTART and the derived sets.
RRule build_rule(const RuleParts& p, const ParsedDate& dtstart, bool dtstart_given) {
  if (!p.freq) throw BadRule{"missing FREQ"};
  // Prefect validates without a DTSTART (dateutil then takes `now` in UNTIL's zone), so the
  // check only bites when the rule names its DTSTART.
  if (dtstart_given && p.until && p.until->aware != dtstart.aware) {
    throw BadRule{"RRULE UNTIL values must be specified in UTC when DTSTART is timezone-aware"};
  }
  RRule r;
  r.freq = *p.freq;
  r.interval = p.interval;
  r.count = p.count;
  if (p.until) r.until = p.until->wall;
  r.dtstart = dtstart.wall;
  r.wkst = p.wkst;
  const date::local_days start_day = std::chrono::floor<days>(dtstart.wall);
  const date::year_month_day start_ymd(start_day);
  const date::hh_mm_ss<seconds> start_tod(dtstart.wall - start_day);

  if (p.bysetpos) {
    for (int pos : *p.bysetpos) {
      if (pos == 0 || pos < -366 || pos > 366) {
        throw BadRule{"bysetpos must be between 1 and 366, or between -366 and -1"};
      }
    }
    r.bysetpos = *p.bysetpos;  // order and repeats kept, as dateutil
  }
  std::vector<int> bymonth = p.bymonth.value_or(std::vector<int>{});
  std::vector<int> bymonthday = p.bymonthday.value_or(std::vector<int>{});
  std::optional<std::vector<std::pair<int, int>>> byweekday = p.byweekday;
  const bool day_given = (p.byweekno && !p.byweekno->empty()) ||
                         (p.byyearday && !p.byyearday->empty()) ||
                         (p.bymonthday && !p.bymonthday->empty()) || byweekday.has_value();
  if (!day_given) {
    if (r.freq == Frequency::kYearly) {
      if (bymonth.empty()) bymonth = {int(unsigned(start_ymd.month()))};
      bymonthday = {int(unsigned(start_ymd.day()))};
    } else if (r.freq == Frequency::kMonthly) {
      bymonthday = {int(unsigned(start_ymd.day()))};
    } else if (r.freq == Frequency::kWeekly) {
      byweekday = std::vector<std::pair<int, int>>{{monday_weekday(start_day), 0}};
    }
  }
  check_range(bymonth, 1, 12, "BYMONTH");
  r.bymonth = sorted_unique(bymonth);
  if (p.byyearday) {
    check_range(*p.byyearday, -366, 366, "BYYEARDAY");
    r.byyearday = sorted_unique(*p.byyearday);
  }
  for (int d : bymonthday) {
    if (d > 0) r.bymonthday.push_back(d);
    if (d < 0) r.bynmonthday.push_back(d);  // 0 is dropped, as dateutil does
  }
  r.bymonthday = sorted_unique(r.bymonthday);
  r.bynmonthday = sorted_unique(r.bynmonthday);
  if (p.byweekno) {
    check_range(*p.byweekno, -53, 53, "BYWEEKNO");
    r.byweekno = sorted_unique(*p.byweekno);
  }
  if (byweekday) {
    std::set<std::pair<int, int>> nth;
    for (auto [wd, n] : *byweekday) {
      if (n == 0 || r.freq > Frequency::kMonthly) {
        r.byweekday.push_back(wd);
      } else {
        nth.emplace(wd, n);
      }
    }
    r.byweekday = sorted_unique(r.byweekday);
    r.bynweekday.assign(nth.begin(), nth.end());
  }

  auto by_time = [&](const std::optional<std::vector<int>>& given, Frequency own, int start, int base,
                     const char* what) {
    std::vector<int> values;
    if (!given) {
      if (r.freq < own) values = {start};
      return values;
    }
    check_range(*given, 0, base - 1, what);
    values = sorted_unique(*given);
    if (r.freq == own) {
      // Values the interval can never reach from DTSTART are dropped (dateutil's
      // __construct_byset); none left is an error.
      int g = std::gcd(r.interval, base);
      std::vector<int> reachable;
      for (int v : values) {
        if (g == 1 || ((v - start) % g + g) % g == 0) reachable.push_back(v);
      }
      if (reachable.empty()) throw BadRule{"Invalid rrule byxxx generates an empty set."};
      values = reachable;
    }
    return values;
  };
  r.byhour = by_time(p.byhour, Frequency::kHourly, int(start_tod.hours().count()), 24, "BYHOUR");
  r.byminute = by_time(p.byminute, Frequency::kMinutely, int(start_tod.minutes().count()), 60, "BYMINUTE");
  r.bysecond = by_time(p.bysecond, Frequency::kSecondly, int(start_tod.seconds().count()), 60, "BYSECOND");
  if (r.freq < Frequency::kHourly) {
    for (int h : r.byhour) {
      for (int m : r.byminute) {
        for (int s : r.bysecond) r.timeset.push_back(hours(h) + minutes(m) + seconds(s));
      }
    }
    std::sort(r.timeset.begin(), r.timeset.end());
  }
  return r;
}

std::vector<WallSeconds> parse_date_list(std::string_view value, const std::vector<std::string>& params,
                                         const char* property) {
  for (const std::string& param : params) {
    if (param.rfind("TZID=", 0) == 0) continue;
    if (param != "VALUE=DATE-TIME" && param != "VALUE=DATE") {
      throw BadRule{std::string("unsupported ") + property + " parm: " + param};
    }
  }
  std::vector<WallSeconds> out;
  for (const std::string& item : split(value, ',')) {
    auto d = parse_date(item);
    if (!d) throw BadRule{"Unknown string format: " + item};
    out.push_back(d->wall);
  }
  return out;
}

}  // namespace

core::Result<RRuleSet> parse_rrule_set(std::string_view text) {
  const std::string s = upper(text);
  auto invalid = [&](const std::string& why) {
    return core::Error::invalid("Invalid RRule string \"" + std::string(text) + "\": " + why);
  };
  std::vector<std::string> lines;
  {
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i) lines.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  if (lines.empty()) return invalid("empty string");
  ParsedDate default_start{date::local_days(date::year(2020) / 1 / 1), false};
  try {
    RRuleSet set;
    if (lines.size() == 1 && (s.find(':') == std::string::npos || s.rfind("RRULE:", 0) == 0)) {
      set.rrules.push_back(build_rule(parse_rule_line(lines[0]), default_start, false));
      return set;
    }
    std::vector<std::string> rrule_lines, exrule_lines;
    ParsedDate dtstart = default_start;
    bool dtstart_given = false;
    for (const std::string& line : lines) {
      std::string name = "RRULE", value = line;
      if (auto colon = line.find(':'); colon != std::string::npos) {
        name = line.substr(0, colon);
        value = line.substr(colon + 1);
      }
      std::vector<std::string> params = split(name, ';');
      name = params.front();
      params.erase(params.begin());
      if (name == "RRULE" || name == "EXRULE") {
        if (!params.empty()) throw BadRule{"unsupported " + name + " parm: " + params.front()};
        (name == "RRULE" ? rrule_lines : exrule_lines).push_back(value);
      } else if (name == "RDATE") {
        for (auto d : parse_date_list(value, params, "RDATE")) set.rdates.push_back(d);
      } else if (name == "EXDATE") {
        for (auto d : parse_date_list(value, params, "EXDATE")) set.exdates.push_back(d);
      } else if (name == "DTSTART") {
        for (const std::string& param : params) {
          if (param.rfind("TZID=", 0) != 0 && param != "VALUE=DATE-TIME" && param != "VALUE=DATE") {
            throw BadRule{"unsupported parm: " + param};
          }
        }
        auto values = split(value, ',');
        if (values.size() != 1) throw BadRule{"Multiple DTSTART values specified: " + value};
        auto d = parse_date(values[0]);
        if (!d) throw BadRule{"Unknown string format: " + value};
        if (!params.empty() && params.front().rfind("TZID=", 0) == 0) d->aware = true;
        dtstart = *d;
        dtstart_given = true;
      } else {
        throw BadRule{"unsupported property: " + name};
      }
    }
    if (rrule_lines.empty() && set.rdates.empty() && set.exdates.empty() && exrule_lines.empty()) {
      throw BadRule{"list index out of range"};
    }
    for (const std::string& line : rrule_lines) set.rrules.push_back(build_rule(parse_rule_line(line), dtstart, dtstart_given));
    for (const std::string& line : exrule_lines) set.exrules.push_back(build_rule(parse_rule_line(line), dtstart, dtstart_given));
    std::sort(set.rdates.begin(), set.rdates.end());
    std::sort(set.exdates.begin(), set.exdates.end());
    return set;
  } catch (const BadRule& e) {
    return invalid(e.why);
  }
}

// ---------------------------------------------------------------------------------------------
// Expansion of one rule, period by period (a year, month, week, day, hour, minute or second
// by FREQ), in the order and with the filters of dateutil's rrule._iter.

namespace {

class RuleIterator {
 public:
  explicit RuleIterator(const RRule& r) : r_(r) {
    remaining_ = r.count;
    enter_period(r.dtstart);
  }

  // Moves ahead to the period that starts at least one period before `target`, where
  // stepping from DTSTART would have arrived, skipping the periods before it: exact because
  // without COUNT a period's occurrences depend only on its own start (DTSTART plus a
  // multiple of INTERVAL; naive wall times, so hours, minutes and seconds have fixed
  // lengths). Only for the sub-daily frequencies (a SECONDLY rule from 2020 has ~10^8 periods;
  // the others at most a few tens of thousands); a rule with COUNT counts its occurrences from
  // DTSTART and is left alone. True when it moved (what was read before is dropped).
  bool skip_to(WallSeconds target) {
    if (remaining_) return false;
    seconds unit;
    switch (r_.freq) {
      case Frequency::kHourly:
        unit = std::chrono::hours(1);
        break;
      case Frequency::kMinutely:
        unit = std::chrono::minutes(1);
        break;
      case Frequency::kSecondly:
        unit = seconds(1);
        break;
      default:
        return false;
    }
    const seconds period = unit * r_.interval;
    const seconds ahead = target - r_.dtstart;
    if (ahead < 2 * period) return false;
    buffer_.clear();
    finished_ = false;  // an UNTIL before the new period ends it again at its first time
    enter_period(r_.dtstart + period * (ahead / period - 1));
    return true;
  }
  std::optional<WallSeconds> next() {
    while (buffer_.empty() && !finished_) step();
    if (buffer_.empty()) return std::nullopt;
    WallSeconds t = buffer_.front();
    buffer_.pop_front();
    return t;
  }

 private:
  // Positions the iterator at the period starting at `t` (DTSTART, or a period skip_to
  // lands on), with that period's times as dateutil computes them for it.
  void enter_period(WallSeconds t) {
    const date::local_days day0 = std::chrono::floor<days>(t);
    const date::year_month_day ymd(day0);
    const date::hh_mm_ss<seconds> tod(t - day0);
    year_ = int(ymd.year());
    month_ = int(unsigned(ymd.month()));
    day_ = int(unsigned(ymd.day()));
    hour_ = int(tod.hours().count());
    minute_ = int(tod.minutes().count());
    second_ = int(tod.seconds().count());
    weekday_ = monday_weekday(day0);
    rebuild(year_, month_);
    if (r_.freq < Frequency::kHourly) {
      timeset_ = r_.timeset;
    } else if ((!r_.byhour.empty() && !contains(r_.byhour, hour_)) ||
               (r_.freq >= Frequency::kMinutely && !r_.byminute.empty() && !contains(r_.byminute, minute_)) ||
               (r_.freq >= Frequency::kSecondly && !r_.bysecond.empty() && !contains(r_.bysecond, second_))) {
      timeset_.clear();
    } else {
      timeset_ = period_times();
    }
  }

  static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
  static int month_length(int y, int m) {
    return int(unsigned((date::year(y) / date::month(unsigned(m)) / date::last).day()));
  }

  void rebuild(int year, int month) {
    if (year != built_year_) {
      year_len_ = leap(year) ? 366 : 365;
      first_day_ = date::local_days(date::year(year) / 1 / 1);
      const int n = year_len_ + 7;
      mmask_.assign(n, 0);
      mday_.assign(n, 0);
      nmday_.assign(n, 0);
      wday_.assign(n, 0);
      for (int i = 0; i < n; ++i) {
        date::year_month_day ymd(first_day_ + days(i));
        mmask_[i] = int(unsigned(ymd.month()));
        mday_[i] = int(unsigned(ymd.day()));
        nmday_[i] = mday_[i] - month_length(int(ymd.year()), mmask_[i]) - 1;
        wday_[i] = monday_weekday(first_day_ + days(i));
      }
      mrange_[0] = 0;
      for (int m = 1; m <= 12; ++m) mrange_[m] = mrange_[m - 1] + month_length(year, m);
      build_week_numbers(year);
    }
    if (!r_.bynweekday.empty() && (month != built_month_ || year != built_year_)) {
      std::vector<std::pair<int, int>> ranges;
      if (r_.freq == Frequency::kYearly) {
        if (!r_.bymonth.empty()) {
          for (int m : r_.bymonth) ranges.emplace_back(mrange_[m - 1], mrange_[m]);
        } else {
          ranges.emplace_back(0, year_len_);
        }
      } else if (r_.freq == Frequency::kMonthly) {
        ranges.emplace_back(mrange_[month - 1], mrange_[month]);
      }
      if (!ranges.empty()) {
        nwdaymask_.assign(year_len_, 0);
        for (auto [first, last] : ranges) {
          --last;
          for (auto [wd, n] : r_.bynweekday) {
            int i;
            if (n < 0) {
              i = last + (n + 1) * 7;
              if (i < 0) continue;
              i -= ((wday_[i] - wd) % 7 + 7) % 7;
            } else {
              i = first + (n - 1) * 7;
              if (i >= int(wday_.size())) continue;
              i += ((7 - wday_[i] + wd) % 7 + 7) % 7;
            }
            if (first <= i && i <= last) nwdaymask_[i] = 1;
          }
        }
      }
    }
    built_year_ = year;
    built_month_ = month;
  }

  // Week numbers (BYWEEKNO) with weeks starting on WKST; week 1 holds at least four days.
  void build_week_numbers(int year) {
    wnomask_.clear();
    if (r_.byweekno.empty()) return;
    wnomask_.assign(year_len_ + 7, 0);
    const int wkst = r_.wkst;
    const int year_weekday = wday_[0];
    int no1wkst = (7 - year_weekday + wkst) % 7;
    const int firstwkst = no1wkst;
    int wyearlen;
    if (no1wkst >= 4) {
      no1wkst = 0;
      wyearlen = year_len_ + ((year_weekday - wkst) % 7 + 7) % 7;
    } else {
      wyearlen = year_len_ - no1wkst;
    }
    const int numweeks = wyearlen / 7 + (wyearlen % 7) / 4;
    auto mark_week = [&](int i) {
      for (int j = 0; j < 7; ++j) {
        wnomask_[i] = 1;
        ++i;
        if (wday_[i] == wkst) break;
      }
    };
    for (int n : r_.byweekno) {
      if (n < 0) n += numweeks + 1;
      if (!(0 < n && n <= numweeks)) continue;
      int i;
      if (n > 1) {
        i = no1wkst + (n - 1) * 7;
        if (no1wkst != firstwkst) i -= 7 - firstwkst;
      } else {
        i = no1wkst;
      }
      mark_week(i);
    }
    if (contains(r_.byweekno, 1)) {
      int i = no1wkst + numweeks * 7;
      if (no1wkst != firstwkst) i -= 7 - firstwkst;
      if (i < year_len_) mark_week(i);
    }
    if (no1wkst) {
      int lnumweeks;
      if (!contains(r_.byweekno, -1)) {
        const int lyear_weekday = monday_weekday(date::local_days(date::year(year - 1) / 1 / 1));
        int lno1wkst = (7 - lyear_weekday + wkst) % 7;
        const int lyearlen = leap(year - 1) ? 366 : 365;
        if (lno1wkst >= 4) {
          lno1wkst = 0;
          lnumweeks = 52 + (lyearlen + ((lyear_weekday - wkst) % 7 + 7) % 7) % 7 / 4;
        } else {
          lnumweeks = 52 + (year_len_ - no1wkst) % 7 / 4;
        }
      } else {
        lnumweeks = -1;
      }
      if (contains(r_.byweekno, lnumweeks)) {
        for (int i = 0; i < no1wkst; ++i) wnomask_[i] = 1;
      }
    }
  }

  std::vector<seconds> period_times() const {
    std::vector<seconds> out;
    switch (r_.freq) {
      case Frequency::kHourly:
        for (int m : r_.byminute) {
          for (int s : r_.bysecond) out.push_back(hours(hour_) + minutes(m) + seconds(s));
        }
        break;
      case Frequency::kMinutely:
        for (int s : r_.bysecond) out.push_back(hours(hour_) + minutes(minute_) + seconds(s));
        break;
      default:
        out.push_back(hours(hour_) + minutes(minute_) + seconds(second_));
        break;
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  bool excluded(int i) const {
    if (!r_.bymonth.empty() && !contains(r_.bymonth, mmask_[i])) return true;
    if (!wnomask_.empty() && !wnomask_[i]) return true;
    if (!r_.byweekday.empty() && !contains(r_.byweekday, wday_[i])) return true;
    if (!nwdaymask_.empty() && (i >= int(nwdaymask_.size()) || !nwdaymask_[i])) return true;
    if ((!r_.bymonthday.empty() || !r_.bynmonthday.empty()) && !contains(r_.bymonthday, mday_[i]) &&
        !contains(r_.bynmonthday, nmday_[i])) {
      return true;
    }
    if (!r_.byyearday.empty()) {
      const int next_len = leap(built_year_ + 1) ? 366 : 365;
      if (i < year_len_) {
        if (!contains(r_.byyearday, i + 1) && !contains(r_.byyearday, -year_len_ + i)) return true;
      } else if (!contains(r_.byyearday, i + 1 - year_len_) &&
                 !contains(r_.byyearday, -next_len + i - year_len_)) {
        return true;
      }
    }
    return false;
  }

  // Emits `t` unless UNTIL or COUNT ends the rule; returns false when the rule has ended.
  bool emit(WallSeconds t) {
    if (r_.until && t > *r_.until) {
      finished_ = true;
      return false;
    }
    if (t >= r_.dtstart) {
      if (remaining_) {
        if (--*remaining_ < 0) {
          finished_ = true;
          return false;
        }
      }
      buffer_.push_back(t);
    }
    return true;
  }

  // Python's divmod for a positive divisor.
  static std::pair<int, int> divmod(int a, int b) {
    int q = a / b, m = a % b;
    if (m < 0) {
      m += b;
      --q;
    }
    return {q, m};
  }

  // dateutil's __mod_distance: steps of INTERVAL from `value` until one lands in `set`.
  std::optional<std::pair<int, int>> mod_distance(int value, const std::vector<int>& set, int base) const {
    int carried = 0;
    for (int k = 1; k <= base; ++k) {
      auto [div, mod] = divmod(value + r_.interval, base);
      carried += div;
      value = mod;
      if (contains(set, value)) return std::make_pair(carried, value);
    }
    return std::nullopt;
  }

  // Moves the time field `value` (of `base` units) on by one step: to the next value in
  // `by` reachable in steps of INTERVAL, or by INTERVAL when `by` is empty. Returns the
  // carry into the next larger unit; nullopt when no value of `by` is reachable (the rule
  // can produce nothing more).
  std::optional<int> step_time_field(int& value, const std::vector<int>& by, int base) const {
    if (by.empty()) {
      auto [carried, next] = divmod(value + r_.interval, base);
      value = next;
      return carried;
    }
    auto d = mod_distance(value, by, base);
    if (!d) return std::nullopt;
    value = d->second;
    return d->first;
  }

  void step() {
    if (year_ > kMaxYear) {
      finished_ = true;
      return;
    }
    // The days of this period.
    int start = 0, end = 0;
    std::vector<int> period_days;
    const int ordinal = int((date::local_days(date::year(year_) / month_ / day_) - first_day_).count());
    switch (r_.freq) {
      case Frequency::kYearly:
        start = 0;
        end = year_len_;
        break;
      case Frequency::kMonthly:
        start = mrange_[month_ - 1];
        end = mrange_[month_];
        break;
      case Frequency::kWeekly: {
        start = ordinal;
        int i = ordinal;
        for (int j = 0; j < 7; ++j) {
          ++i;
          if (wday_[i] == r_.wkst) break;
        }
        end = i;
        break;
      }
      default:
        start = ordinal;
        end = ordinal + 1;
        break;
    }
    bool filtered = false;
    for (int i = start; i < end; ++i) {
      if (excluded(i)) {
        filtered = true;
      } else {
        period_days.push_back(i);
      }
    }

    bool ended = false;
    if (!r_.bysetpos.empty() && !timeset_.empty()) {
      std::vector<WallSeconds> chosen;
      const int per_day = int(timeset_.size());
      for (int pos : r_.bysetpos) {
        int day_pos, time_pos;
        if (pos < 0) {
          std::tie(day_pos, time_pos) = divmod(pos, per_day);
        } else {
          std::tie(day_pos, time_pos) = divmod(pos - 1, per_day);
        }
        int n = int(period_days.size());
        if (day_pos < 0) day_pos += n;
        if (day_pos < 0 || day_pos >= n) continue;
        WallSeconds t = first_day_ + days(period_days[day_pos]) + timeset_[time_pos];
        if (std::find(chosen.begin(), chosen.end(), t) == chosen.end()) chosen.push_back(t);
      }
      std::sort(chosen.begin(), chosen.end());
      for (WallSeconds t : chosen) {
        if (!emit(t)) {
          ended = true;
          break;
        }
      }
    } else {
      for (int i : period_days) {
        for (seconds tod : timeset_) {
          if (!emit(first_day_ + days(i) + tod)) {
            ended = true;
            break;
          }
        }
        if (ended) break;
      }
    }
    if (ended) return;
    advance(filtered);
  }

  void advance(bool filtered) {
    bool fixday = false;
    const int interval = r_.interval;
    switch (r_.freq) {
      case Frequency::kYearly:
        year_ += interval;
        if (year_ > kMaxYear) {
          finished_ = true;
          return;
        }
        rebuild(year_, month_);
        break;
      case Frequency::kMonthly: {
        month_ += interval;
        if (month_ > 12) {
          auto [div, mod] = divmod(month_, 12);
          month_ = mod;
          year_ += div;
          if (month_ == 0) {
            month_ = 12;
            --year_;
          }
          if (year_ > kMaxYear) {
            finished_ = true;
            return;
          }
        }
        rebuild(year_, month_);
        break;
      }
      case Frequency::kWeekly:
        if (r_.wkst > weekday_) {
          day_ += -(weekday_ + 1 + (6 - r_.wkst)) + interval * 7;
        } else {
          day_ += -(weekday_ - r_.wkst) + interval * 7;
        }
        weekday_ = r_.wkst;
        fixday = true;
        break;
      case Frequency::kDaily:
        day_ += interval;
        fixday = true;
        break;
      case Frequency::kHourly: {
        if (filtered) hour_ += ((23 - hour_) / interval) * interval;
        auto carried_days = step_time_field(hour_, r_.byhour, 24);
        if (!carried_days) {
          finished_ = true;
          return;
        }
        if (*carried_days) {
          day_ += *carried_days;
          fixday = true;
        }
        timeset_ = period_times();
        break;
      }
      case Frequency::kMinutely: {
        if (filtered) minute_ += ((1439 - (hour_ * 60 + minute_)) / interval) * interval;
        bool valid = false;
        const int rate = 24 * 60;
        for (int j = 0; j < rate / std::gcd(interval, rate); ++j) {
          auto carried_hours = step_time_field(minute_, r_.byminute, 60);
          if (!carried_hours) {
            finished_ = true;
            return;
          }
          auto [div, hour] = divmod(hour_ + *carried_hours, 24);
          hour_ = hour;
          if (div) {
            day_ += div;
            fixday = true;
            filtered = false;
          }
          if (r_.byhour.empty() || contains(r_.byhour, hour_)) {
            valid = true;
            break;
          }
        }
        if (!valid) {
          finished_ = true;
          return;
        }
        timeset_ = period_times();
        break;
      }
      case Frequency::kSecondly: {
        if (filtered) {
          second_ += ((86399 - (hour_ * 3600 + minute_ * 60 + second_)) / interval) * interval;
        }
        bool valid = false;
        const int rate = 24 * 3600;
        for (int j = 0; j < rate / std::gcd(interval, rate); ++j) {
          auto carried_minutes = step_time_field(second_, r_.bysecond, 60);
          if (!carried_minutes) {
            finished_ = true;
            return;
          }
          auto [div, minute] = divmod(minute_ + *carried_minutes, 60);
          minute_ = minute;
          if (div) {
            hour_ += div;
            auto [day_carry, hour] = divmod(hour_, 24);
            hour_ = hour;
            if (day_carry) {
              day_ += day_carry;
              fixday = true;
            }
          }
          if ((r_.byhour.empty() || contains(r_.byhour, hour_)) &&
              (r_.byminute.empty() || contains(r_.byminute, minute_)) &&
              (r_.bysecond.empty() || contains(r_.bysecond, second_))) {
            valid = true;
            break;
          }
        }
        if (!valid) {
          finished_ = true;
          return;
        }
        timeset_ = period_times();
        break;
      }
    }
    if (fixday && day_ > 28) {
      int month_days = month_length(year_, month_);
      if (day_ > month_days) {
        while (day_ > month_days) {
          day_ -= month_days;
          ++month_;
          if (month_ == 13) {
            month_ = 1;
            ++year_;
            if (year_ > kMaxYear) {
              finished_ = true;
              return;
            }
          }
          month_days = month_length(year_, month_);
        }
        rebuild(year_, month_);
      }
    }
  }

  const RRule& r_;
  int year_, month_, day_, hour_, minute_, second_, weekday_;
  std::optional<long long> remaining_;
  bool finished_ = false;
  std::deque<WallSeconds> buffer_;
  std::vector<seconds> timeset_;

  int built_year_ = -100000, built_month_ = -1;
  int year_len_ = 365;
  date::local_days first_day_{};
  std::vector<int> mmask_, mday_, nmday_, wday_;
  std::array<int, 13> mrange_{};
  std::vector<char> wnomask_, nwdaymask_;
};

// A sorted stream with one element of look-ahead.
struct Stream {
  std::optional<RuleIterator> rule;
  const std::vector<WallSeconds>* list = nullptr;
  std::size_t index = 0;
  std::optional<WallSeconds> head;

  void advance() {
    if (rule) {
      head = rule->next();
    } else if (index < list->size()) {
      head = (*list)[index++];
    } else {
      head.reset();
    }
  }
};

}  // namespace

struct RRuleSetIterator::Impl {
  std::vector<Stream> include, exclude;
  std::optional<WallSeconds> last;
};

RRuleSetIterator::RRuleSetIterator(const RRuleSet& set) : impl_(std::make_unique<Impl>()) {
  auto add_rules = [](std::vector<Stream>& out, const std::vector<RRule>& rules) {
    for (const RRule& r : rules) {
      Stream s;
      s.rule.emplace(r);
      out.push_back(std::move(s));
    }
  };
  auto add_list = [](std::vector<Stream>& out, const std::vector<WallSeconds>& list) {
    Stream s;
    s.list = &list;
    out.push_back(std::move(s));
  };
  add_list(impl_->include, set.rdates);
  add_rules(impl_->include, set.rrules);
  add_list(impl_->exclude, set.exdates);
  add_rules(impl_->exclude, set.exrules);
  for (Stream& s : impl_->include) s.advance();
  for (Stream& s : impl_->exclude) s.advance();
}

void RRuleSetIterator::skip_to(WallSeconds target) {
  auto skip = [target](std::vector<Stream>& streams) {
    for (Stream& s : streams) {
      if (s.rule && s.rule->skip_to(target)) s.advance();
    }
  };
  if (impl_->last) return;  // already started
  // A rule's head read at construction is from DTSTART's period: it is read again from the
  // period the rule moved to.
  skip(impl_->include);
  skip(impl_->exclude);
}

RRuleSetIterator::~RRuleSetIterator() = default;
RRuleSetIterator::RRuleSetIterator(RRuleSetIterator&&) noexcept = default;

std::optional<WallSeconds> RRuleSetIterator::next() {
  while (true) {
    Stream* best = nullptr;
    for (Stream& s : impl_->include) {
      if (s.head && (!best || *s.head < *best->head)) best = &s;
    }
    if (!best) return std::nullopt;
    WallSeconds candidate = *best->head;
    best->advance();
    if (impl_->last && *impl_->last == candidate) continue;
    impl_->last = candidate;
    bool excluded = false;
    for (Stream& s : impl_->exclude) {
      while (s.head && *s.head < candidate) s.advance();
      if (s.head && *s.head == candidate) excluded = true;
    }
    if (!excluded) return candidate;
  }
}

}  // namespace praetor::schedules
