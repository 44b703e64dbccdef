// Shared by the cron and RRULE harnesses: a schedule's text as the API receives it (the
// "cron" or "rrule" key of a schedule body, in a few time zones), parsed and expanded the way
// the scheduler and /schedules/ previews do. Any crash, sanitizer report, exception or hang
// here is a defect reachable by one POST of a deployment schedule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "schedules/schedule.h"
#include "schedules/schedule_json.h"

namespace praetor::schedules::fuzz {

inline void expand_schedule_text(std::string_view key, std::string_view text) {
  // 2024-03-09T12:00:00Z: one day before New York's spring-forward, so the zone's gap and
  // (further on) overlap are in reach of an expansion.
  const core::Timestamp start = core::from_micros(1'709'985'600'000'000);
  for (std::string_view zone : {"UTC", "America/New_York", "Australia/Lord_Howe"}) {
    boost::json::object body{{key, text}, {"timezone", zone}};
    auto schedule = parse_schedule(body, boost::json::array{"body", "schedule"}, start);
    if (!schedule) continue;
    // Prefect's get_dates: the next few, and those inside a window (bounded by kMaxIterations).
    (void)next_dates(*schedule, start, 5);
    (void)next_dates(*schedule, start, std::nullopt, start + std::chrono::hours(24 * 40));
    (void)to_json(*schedule);
  }
}

}  // namespace praetor::schedules::fuzz
