// RFC 5545 recurrence rules as python-dateutil's `rrulestr` reads and expands them (the
// library behind Prefect's RRuleSchedule): RRULE (FREQ, INTERVAL, COUNT, UNTIL, WKST, BYSETPOS,
// BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYDAY with ordinals, BYHOUR, BYMINUTE, BYSECOND),
// DTSTART (default 2020-01-01T00:00:00, Prefect's anchor), and the rruleset lines RDATE,
// EXDATE and EXRULE. All times are naive wall times: Prefect re-labels DTSTART, UNTIL, RDATE
// and EXDATE with the schedule's zone whatever zone or `Z` they were written with.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <date/date.h>

#include "core/result.h"

namespace praetor::schedules {

using WallSeconds = date::local_seconds;

enum class Frequency { kYearly, kMonthly, kWeekly, kDaily, kHourly, kMinutely, kSecondly };

struct RRule {
  Frequency freq = Frequency::kYearly;
  int interval = 1;
  std::optional<long long> count;
  std::optional<WallSeconds> until;
  WallSeconds dtstart{};
  int wkst = 0;  // 0 = Monday
  // Sorted, distinct; empty = not given (after dateutil's defaults from DTSTART).
  std::vector<int> bysetpos, bymonth, bymonthday, bynmonthday, byyearday, byweekno, byweekday;
  std::vector<std::pair<int, int>> bynweekday;  // (weekday, n), n != 0
  std::vector<int> byhour, byminute, bysecond;
  std::vector<std::chrono::seconds> timeset;  // for frequencies above HOURLY
};

struct RRuleSet {
  std::vector<RRule> rrules;
  std::vector<RRule> exrules;
  std::vector<WallSeconds> rdates;
  std::vector<WallSeconds> exdates;
};

// dateutil's rrulestr(text, dtstart=2020-01-01): an Error of kind kInvalid with dateutil's
// reason when the text is not a valid rule.
core::Result<RRuleSet> parse_rrule_set(std::string_view text);

// Successive wall times of a rule set, ascending and distinct.
class RRuleSetIterator {
 public:
  explicit RRuleSetIterator(const RRuleSet& set);
  ~RRuleSetIterator();
  RRuleSetIterator(RRuleSetIterator&&) noexcept;
  std::optional<WallSeconds> next();
  // Skips, where that is exact and cheap, occurrences well before `target` (each rule without
  // COUNT of an HOURLY, MINUTELY or SECONDLY frequency starts at a period shortly before it);
  // next() may still return some earlier ones. Call before the first next().
  void skip_to(WallSeconds target);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace praetor::schedules
