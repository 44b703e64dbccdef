// The rows of a run's state history (flow_run_state, task_run_state: the same columns but
// for the run's), for store/bulk_insert.h: how the run repositories insert histories whole.
#pragma once

#include <string>

#include "core/state.h"
#include "store/bulk_insert.h"

namespace praetor::store {

// A BulkInsert into `table`, whose run column is `run_column`.
BulkInsert state_rows(const std::string& table, const std::string& run_column);
// Adds `state` of run `run_id`, recorded as created at `created`.
void add_state_row(BulkInsert& rows, const std::string& run_id, const core::State& state, core::Timestamp created);

}  // namespace praetor::store
