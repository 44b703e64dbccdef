// The UI's task-run counts and histories answered from the task-run rollup (migration 0024,
// SQLite): whole minutes of the window from the rollup table, the window's edge minutes (and
// the runs whose sums depend on now) from the task-run rows, so every answer is the exact one
// the plain query gives. Only the filter shapes the dashboard and runs pages send qualify:
// none, or a task-run start-time window, state types, "no subflows", and a flow-run filter
// that is empty (task runs whose flow run is stored) or an expected-start-time window;
// anything else, and PostgreSQL, answers nullopt and the caller runs its plain query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"
#include "store/sql_conditions.h"
#include "store/run_history.h"

namespace praetor::store::task_run_rollup {

// A filter the rollup can answer (api/task_run_rollup_filter.h reads it from a request body).
struct Filter {
  std::optional<int64_t> start_after;   // task_run.start_time >= this (µs)
  std::optional<int64_t> start_before;  // task_run.start_time <= this (µs)
  std::optional<std::vector<std::string>> state_types;  // task_run.state_type IN these
  bool without_subflows = false;  // subflow_runs.exists_ = false
  bool in_flow_run = false;       // flow_runs given: the task run's flow run is stored, and
  std::optional<int64_t> flow_run_after;   // its expected_start_time >= this (µs)
  std::optional<int64_t> flow_run_before;  // its expected_start_time <= this (µs)
};

// The number of task runs matching `filter`; nullopt when the rollup cannot answer (not
// SQLite, or "no subflows" asked while some flow run has a parent task run).
std::optional<int64_t> count(Connection& c, const Filter& filter);

// history::run_history over task runs matching `filter`, from the rollup; nullopt as count.
std::optional<std::vector<history::StateCount>> history(Connection& c, const Filter& filter, core::Timestamp start,
                                                        int64_t interval_micros, int64_t buckets, core::Timestamp now);

// For a page in EXPECTED_START_TIME_DESC order of the first `needed` (offset + limit) task runs
// matching a filter with a flow-run window: a range of expected_start_time that holds them all
// (the rollup counts at least `needed` sure matches from its lower end up, and no match lies
// above it), to AND onto the page's query so its walk of the expected-start index starts and
// ends there; nullopt when there is no such filter or range (the caller walks as before).
std::optional<SqlCondition> page_range(Connection& c, const Filter& filter, int64_t needed);

}  // namespace praetor::store::task_run_rollup
