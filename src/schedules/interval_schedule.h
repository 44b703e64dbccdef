// IntervalSchedule: `anchor_date + k * interval` for whole k, as Prefect's server computes it
// (schemas/schedules.py, the pendulum branch Python 3.11/3.12 servers run):
//  - an interval without whole days is added as elapsed UTC time (an hourly schedule fires
//    every UTC hour across DST);
//  - an interval of whole days is added in local wall time (a daily 09:00 stays 09:00), and a
//    wall time that falls in a DST gap is pushed forward by the gap and stays there for all later
//    dates of the series (the series is replayed from the anchor);
//  - an interval mixing days and seconds adds both in wall time step by step;
//  - an overlapped wall time takes the later instant (pendulum's fold=1);
//  - dates compare by local wall time (pendulum datetimes in one zone do): the start, end and
//    duplicate checks ignore which pass of a repeated hour a date is in, so an hourly schedule
//    yields one date for the repeated hour on a fall-back day, and dates come in wall order.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "core/timestamp.h"
#include "schedules/zone.h"

namespace praetor::schedules {

struct IntervalSchedule {
  std::chrono::microseconds interval{0};  // > 0
  core::Timestamp anchor_date;
  Zone zone = Zone::utc();
};

// Dates on or after `start` and, when given, not after `end` (compared as local wall times);
// at most `n` of them, in local wall-time order.
std::vector<core::Timestamp> interval_dates(const IntervalSchedule& s, core::Timestamp start,
                                            std::size_t n, std::optional<core::Timestamp> end);

}  // namespace praetor::schedules
