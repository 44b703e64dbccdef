// A deployment schedule: one of Prefect's three kinds, and the dates it yields. Pure: no
// clock, no I/O; the caller passes the window.
#pragma once

#include <cstddef>
#include <optional>
#include <variant>
#include <vector>

#include "core/timestamp.h"
#include "schedules/cron_schedule.h"
#include "schedules/interval_schedule.h"
#include "schedules/rrule_schedule.h"

namespace praetor::schedules {

using Schedule = std::variant<IntervalSchedule, CronSchedule, RRuleSchedule>;

// Prefect's get_dates(n, start, end): dates on or after `start`, not after `end` when given,
// ascending, at most `n` (default: 1000 with an `end`, else 1), UTC.
std::vector<core::Timestamp> next_dates(const Schedule& schedule, core::Timestamp start,
                                        std::optional<std::size_t> n = std::nullopt,
                                        std::optional<core::Timestamp> end = std::nullopt);

}  // namespace praetor::schedules
