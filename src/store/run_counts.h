// Runs counted by state type, for the runs-by-state metrics: one GROUP BY over the
// state_type index of each run table (an index-only scan, no row is read).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "store/connection.h"

namespace praetor::store {

struct RunCounts {
  std::map<std::string, int64_t> flow_runs;  // state type ("COMPLETED") → runs; "" for runs without a state
  std::map<std::string, int64_t> task_runs;
};

RunCounts count_runs_by_state_type(Connection& c);

}  // namespace praetor::store
