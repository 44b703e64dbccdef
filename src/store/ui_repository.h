// The aggregate reads behind the UI's /api/ui/* routes (Prefect's api/ui/*.py): the flow-run
// history the dashboard charts, task-run counts per flow run, deployment counts and next
// scheduled run per flow, and the dashboard's task-run buckets. All are single queries
// evaluated by the database; the callers turn the rows into JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"
#include "store/sql_conditions.h"

namespace praetor::store::ui {

// The columns of one flow run the history chart needs (SimpleFlowRun before its derived fields).
struct HistoryRow {
  std::string id;
  std::string state_type;
  std::optional<core::Timestamp> start_time;
  std::optional<core::Timestamp> expected_start_time;
  std::optional<core::Timestamp> state_timestamp;
  double total_run_time = 0;  // seconds
};

// Flow runs matching `where` (over the unaliased flow_run table) in `order_by` order.
std::vector<HistoryRow> flow_run_history(Connection& c, const SqlCondition& where, const std::string& order_by,
                                         int64_t limit, int64_t offset);

// Task runs per flow run id, not counting task runs that stand for a subflow run; ids with no
// task runs are absent from the map.
std::map<std::string, int64_t> task_run_counts(Connection& c, const std::vector<std::string>& flow_run_ids);

// Deployments per flow id; flows without deployments are absent.
std::map<std::string, int64_t> deployment_counts(Connection& c, const std::vector<std::string>& flow_ids);

struct NextRun {
  std::string id;
  std::string flow_id;
  std::string name;
  std::string state_name;
  std::string state_type;
  core::Timestamp next_scheduled_start_time;
};
// Per flow id, its SCHEDULED run with the earliest next_scheduled_start_time (runs without one
// are ignored); flows without such a run are absent.
std::map<std::string, NextRun> next_runs(Connection& c, const std::vector<std::string>& flow_ids);

struct BucketCount {
  int64_t completed = 0;  // terminal and neither FAILED nor CRASHED
  int64_t failed = 0;     // FAILED or CRASHED
};
// Task runs matching `where` (over the unaliased task_run table) counted into buckets of
// `bucket_micros` by start_time from `start`: bucket i holds start_time in
// [start + i·width, start + (i+1)·width). Buckets outside [0, buckets) are dropped.
std::vector<BucketCount> task_run_buckets(Connection& c, const SqlCondition& where, core::Timestamp start,
                                          int64_t bucket_micros, int buckets);

// Task runs matching `where` (over the unaliased task_run table) per state type; types
// without runs are absent (count_task_runs_by_state).
std::map<std::string, int64_t> task_run_state_counts(Connection& c, const SqlCondition& where);

// The name of the flow run `id`, or nullopt when there is none.
std::optional<std::string> flow_run_name(Connection& c, const std::string& id);

}  // namespace praetor::store::ui
