// Deployments (`deployment`) and their schedules (`deployment_schedule`). Functions take the
// Connection of a Database::read/write call and throw SqliteError on database failure.
// Reads join in the work pool name and the schedules (newest update first).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/deployment.h"
#include "store/sql_conditions.h"
#include "store/sqlite_connection.h"

namespace praetor::store::deployments {

// The deployment of this flow and name, if any.
std::optional<core::Deployment> read_by_flow_and_name(Connection& c, const std::string& flow_id,
                                                      const std::string& name);
std::optional<core::Deployment> read(Connection& c, const std::string& id);
std::optional<core::Deployment> read_by_name(Connection& c, const std::string& flow_name, const std::string& name);
// Inserts a new row (schedules not included).
void insert(Connection& c, const core::Deployment& d);
// Rewrites every column of the row `d.id` from `d` (schedules not included).
bool replace(Connection& c, const core::Deployment& d);
// Deletes the deployment and the concurrency_limit_v2 row it points at.
bool remove(Connection& c, const std::string& id);
// Prefect's _create_or_update_deployment_concurrency_limit, for a request that set
// `concurrency_limit`: a value updates the linked concurrency_limit_v2 row, or creates one
// named "deployment:<id>" and links it; nullopt deletes the linked row (the link is nulled
// by the foreign key). No row change when the limit is unchanged.
void set_concurrency_limit(Connection& c, const std::string& deployment_id, std::optional<int64_t> limit,
                           core::Timestamp now);
// The deployment's concurrency settings for the flow-run policy: nullopt when there is no
// such deployment.
struct ConcurrencySettings {
  std::optional<std::string> limit_id;  // concurrency_limit_id
  boost::json::value options;           // concurrency_options: null or an object
};
std::optional<ConcurrencySettings> read_concurrency_settings(Connection& c, const std::string& deployment_id);
// Deployments matching a compiled filter over the unaliased deployment table.
std::vector<core::Deployment> list(Connection& c, const SqlCondition& where, const std::string& order_by,
                                   int64_t limit, int64_t offset);
int64_t count(Connection& c, const SqlCondition& where);
// last_polled = now, status READY (mark_deployments_ready); returns the ids that were not
// READY.
std::vector<std::string> mark_polled(Connection& c, const std::vector<std::string>& ids, core::Timestamp now);

// Deletes the deployment's SCHEDULED runs that never ran (not AwaitingConcurrencySlot);
// only auto-scheduled ones and/or only those due after `future_after` when asked.
void delete_scheduled_runs(Connection& c, const std::string& deployment_id, bool auto_scheduled_only,
                           std::optional<core::Timestamp> future_after);

// ---- schedules
std::vector<core::DeploymentSchedule> read_schedules(Connection& c, const std::string& deployment_id);
std::optional<core::DeploymentSchedule> read_schedule(Connection& c, const std::string& deployment_id,
                                                      const std::string& schedule_id);
void insert_schedule(Connection& c, const core::DeploymentSchedule& s);
// Rewrites schedule, active, max_scheduled_runs, parameters, slug, updated.
bool replace_schedule(Connection& c, const core::DeploymentSchedule& s);
bool remove_schedule(Connection& c, const std::string& deployment_id, const std::string& schedule_id);
void remove_schedules(Connection& c, const std::string& deployment_id);

// ---- scheduler
struct ScheduleWork {
  core::Deployment deployment;  // without schedules
  core::DeploymentSchedule schedule;
};
// Active schedules of unpaused deployments with id > `after_id` (a cursor), ordered by
// deployment id, at most `limit` deployments' worth; with `updated_since`, only
// deployments updated since then.
std::vector<ScheduleWork> schedules_to_run(Connection& c, const std::string& after_id, int64_t limit,
                                           std::optional<core::Timestamp> updated_since);
// Future (> now) auto-scheduled SCHEDULED runs created by this schedule: count and latest
// next_scheduled_start_time.
struct ScheduledSummary {
  int64_t count = 0;
  std::optional<core::Timestamp> latest;
};
ScheduledSummary scheduled_summary(Connection& c, const std::string& deployment_id, const std::string& schedule_id,
                                   core::Timestamp now);

}  // namespace praetor::store::deployments
