// Cron expressions with the syntax and the quirks of croniter (the library Prefect validates
// and evaluates cron schedules with): 5 fields (minute hour day-of-month month day-of-week),
// 6 (plus seconds last) or 7 (plus year, 1970-2099); `*`, `?` (day fields), lists, ranges
// (wrapping ranges such as `fri-mon`; `a-a` meaning the whole field), steps (`*/5`, `10/5`,
// `1-20/3`), month and weekday names, `L` (last day of month), `#n` (n-th weekday), `Ln` (last
// weekday n of month), 7 as Sunday, and the @yearly/@annually/@monthly/@weekly/@daily/
// @midnight/@hourly aliases. Hashed and random (`H`, `R`) fields are rejected, as Prefect does.
// Evaluation is on naive wall times; time zones are the caller's business.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "schedules/zone.h"

namespace praetor::schedules {

class CronExpression {
 public:
  // Error of kind kInvalid with croniter's reason when the expression is not acceptable.
  static core::Result<CronExpression> parse(std::string_view text);

  // The first wall time strictly after `after` (at minute resolution for 5 fields, second
  // resolution otherwise) that matches; nullopt when none exists within 50 years.
  // `day_or`: when both day fields are restricted, a day matches either (true, cron) or both.
  std::optional<LocalTime> next_after(LocalTime after, bool day_or) const;

  int field_count() const { return field_count_; }

 private:
  struct Field {
    bool any = true;              // `*`
    std::vector<int> values;      // sorted, when !any
    bool last_day = false;        // day-of-month `L`
  };
  enum Index { kMinute, kHour, kDay, kMonth, kWeekday, kSecond, kYear };

  bool day_matches(int y, unsigned m, unsigned d, unsigned weekday, unsigned month_days,
                   bool day_or) const;
  bool field_has(Index i, int v) const;

  int field_count_ = 5;
  std::array<Field, 7> fields_{};
  // Weekday (0 = Sunday) -> occurrences in the month (1..5, or 0 for "last").
  std::map<int, std::set<int>> nth_weekday_;
};

}  // namespace praetor::schedules
