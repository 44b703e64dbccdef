// The UI's task-run counts and histories answered from the task-run rollup (migration 0024,
// SQLite): whole minutes of the window from the rollup table, the window's edge minutes (and
// the runs whose sums depend on now) from the task-run rows, so every answer is the exact one
// the plain query gives. Only the filter shapes the dashboard and runs pages send qualify:
// none, or a task-run start-time window, state types, "no subflows" and an empty flow-run
// filter (task runs whose flow run is stored); anything else, and PostgreSQL, answers
// nullopt and the caller runs its plain query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"
#include "store/run_history.h"

namespace praetor::store::task_run_rollup {

// A filter body the rollup can answer.
struct Filter {
  std::optional<int64_t> start_after;   // task_run.start_time >= this (µs)
  std::optional<int64_t> start_before;  // task_run.start_time <= this (µs)
  std::optional<std::vector<std::string>> state_types;  // task_run.state_type IN these
  bool without_subflows = false;  // subflow_runs.exists_ = false
  bool in_flow_run = false;       // flow_runs: {} (the task run's flow run is stored)
};

// The body's filter when it has one of the shapes above (keys the caller reads itself, such
// as history_start or sort, are ignored); nullopt otherwise. The body has already been
// validated by compile_filter_body.
std::optional<Filter> recognise(const boost::json::object& body);

// The number of task runs matching `filter`; nullopt when the rollup cannot answer (not
// SQLite, or "no subflows" asked while some flow run has a parent task run).
std::optional<int64_t> count(Connection& c, const Filter& filter);

// history::run_history over task runs matching `filter`, from the rollup; nullopt as count.
std::optional<std::vector<history::StateCount>> history(Connection& c, const Filter& filter, core::Timestamp start,
                                                        int64_t interval_micros, int64_t buckets, core::Timestamp now);

}  // namespace praetor::store::task_run_rollup
