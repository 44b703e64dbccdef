// Schedules from Prefect's JSON shapes, validated as Prefect's pydantic models do, with
// 422-shaped errors (type/loc/msg/input) located under `loc`:
//   {"interval": seconds | ISO-8601 duration | "HH:MM:SS", "anchor_date"?, "timezone"?}
//   {"cron": "...", "timezone"?, "day_or"?: true}
//   {"rrule": "...", "timezone"?: "UTC"}
// Unknown fields are rejected (the models forbid extras). A missing anchor_date is `now`.
#pragma once

#include <boost/json.hpp>

#include "core/result.h"
#include "core/timestamp.h"
#include "schedules/schedule.h"

namespace praetor::schedules {

core::Result<IntervalSchedule> parse_interval_schedule(const boost::json::value& v,
                                                       boost::json::array loc, core::Timestamp now);
core::Result<CronSchedule> parse_cron_schedule(const boost::json::value& v, boost::json::array loc);
core::Result<RRuleSchedule> parse_rrule_schedule(const boost::json::value& v, boost::json::array loc);

// Chooses the kind by its defining key ("interval", "cron" or "rrule").
core::Result<Schedule> parse_schedule(const boost::json::value& v, boost::json::array loc,
                                      core::Timestamp now);

// The JSON Prefect returns for a schedule (interval in seconds, anchor_date, timezone...).
boost::json::value to_json(const Schedule& schedule);

}  // namespace praetor::schedules
