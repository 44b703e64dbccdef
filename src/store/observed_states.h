// The state types and exact names seen in the retained flow-run and task-run state
// histories, with the bounds of their timestamps (Prefect's models/observed_states.py).
#pragma once

#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::observed_states {

struct ObservedState {
  std::string state_type;
  std::string state_name;
  core::Timestamp first_seen;
  core::Timestamp last_seen;
};

// Every distinct (type, name) pair of both histories, merged, by type then name. Walks the
// (type, name, timestamp) indexes: one seek per pair and two for its bounds, so the cost
// grows with the number of pairs, not of states.
std::vector<ObservedState> list(Connection& c);

}  // namespace praetor::store::observed_states
