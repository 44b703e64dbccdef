// Auto-scheduled flow runs of a deployment schedule (Prefect's
// models/deployments._generate_scheduled_flow_runs and _insert_scheduled_flow_runs): the
// dates of a window, and the SCHEDULED runs for them written in the caller's transaction.
// Shared by the scheduler service and POST /deployments/{id}/schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/deployment.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "events/event.h"
#include "schedules/schedule.h"
#include "store/connection.h"

namespace praetor::runs {

// Dates on or after `start`, none after `end`, at most `max_runs`; generation stops as soon
// as `min_runs` dates exist and the last one reaches start + min_time.
struct ScheduleWindow {
  core::Timestamp start;
  core::Timestamp end;
  std::chrono::microseconds min_time{0};
  int64_t min_runs = 0;
  int64_t max_runs = 0;
};

std::vector<core::Timestamp> window_dates(const schedules::Schedule& schedule, const ScheduleWindow& window);

// Inserts a SCHEDULED run ("Flow run scheduled") for each date of the window that has none
// yet; the idempotency key "scheduled {deployment_id} {schedule_id} {str(date)}" makes
// repeated calls harmless. An invalid stored schedule inserts nothing. Returns the number
// inserted; state-change events are appended to `events` for publishing after the commit.
core::Result<int64_t> insert_scheduled_runs(store::Connection& c, const core::Deployment& deployment,
                                            const core::DeploymentSchedule& schedule, const ScheduleWindow& window,
                                            core::Timestamp now, std::vector<events::Event>& events);

// Python's str() of an aware datetime in `zone`: "2026-08-21 08:00:00-04:00" (".ffffff"
// when non-zero), as the schedules' dates print in Prefect's idempotency keys.
std::string python_str_in_zone(core::Timestamp t, const schedules::Zone& zone);

}  // namespace praetor::runs
