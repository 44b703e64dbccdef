// The run history behind /flow_runs/history and /task_runs/history (Prefect's
// api/run_history.py): runs whose expected start time falls in consecutive intervals, counted
// per interval and state, with their summed estimated run time and lateness. One grouped
// query over the range of the expected_start_time index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"
#include "store/sql_conditions.h"

namespace praetor::store::history {

enum class RunTable { kFlowRun, kTaskRun };

struct StateCount {
  int64_t bucket = 0;  // interval index from the history's start
  std::string state_type;
  std::string state_name;
  int64_t count = 0;
  double sum_estimated_run_time = 0;  // seconds; each run's clamped at 0
  double sum_estimated_lateness = 0;  // seconds; each run's clamped at 0
};

// A run's estimated run time and lateness in seconds, as SQL over its unaliased row (not yet
// clamped at 0); ?1 is `now` in microseconds.
std::string estimated_run_time_seconds();
std::string estimated_lateness_seconds();

// Runs of `table` matching `where` (over the unaliased table) with expected_start_time in
// [start, start + buckets·interval), by interval, state type and state name. A RUNNING run's
// run time and a due, unstarted, unfinished run's lateness count up to `now`.
std::vector<StateCount> run_history(Connection& c, RunTable table, const SqlCondition& where, core::Timestamp start,
                                    int64_t interval_micros, int64_t buckets, core::Timestamp now);

// The average lateness in seconds of the flow runs matching `where` (start − expected start
// when positive; for a due run not started and not final, now − expected start; else 0);
// nullopt when no run matches.
std::optional<double> average_flow_run_lateness(Connection& c, const SqlCondition& where, core::Timestamp now);

}  // namespace praetor::store::history
