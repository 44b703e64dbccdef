// CronSchedule: the wall times a cron expression matches in the schedule's time zone, as
// Prefect's server evaluates them (schemas/schedules.py, `_get_dates_whenever`):
//  - a wall time in a DST gap runs once, shifted forward by the gap (02:30 -> 03:30 on a
//    spring-forward day), and an hourly job whose shifted time repeats another fires once;
//  - a repeated wall time on a fall-back day runs once, at its first occurrence, so an hourly
//    job pauses for two hours;
//  - a start inside the repeated hour skips the repeated wall times; a start just after a gap
//    still sees the gap's shifted times.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "schedules/cron_expression.h"
#include "schedules/zone.h"

namespace praetor::schedules {

struct CronSchedule {
  std::string cron;
  CronExpression expression;
  Zone zone = Zone::utc();
  // The timezone as given, which reads answer: Prefect keeps a cron schedule's missing
  // timezone as null (and "" as ""), computing its dates in UTC.
  std::optional<std::string> timezone;
  bool day_or = true;
};

// Dates on or after `start` and, when given, not after `end`; at most `n`, ascending.
std::vector<core::Timestamp> cron_dates(const CronSchedule& s, core::Timestamp start,
                                        std::size_t n, std::optional<core::Timestamp> end);

}  // namespace praetor::schedules
