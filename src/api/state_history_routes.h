// The state-history routes flow runs and task runs share: GET {base}/{id} (one state) and
// GET {base}/?{run_param}=<uuid> (a run's states in time order), as Prefect's
// flow_run_states.py and task_run_states.py.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/router.h"
#include "core/state.h"

namespace praetor::api {

struct StateHistorySource {
  std::string run_param;  // "flow_run_id" or "task_run_id"
  std::function<std::optional<core::State>(store::Connection&, const std::string& state_id)> read;
  std::function<std::vector<core::State>(store::Connection&, const std::string& run_id)> list;
};

void add_state_history_routes(Router& router, ApiContext& ctx, const std::string& base, StateHistorySource source);

}  // namespace praetor::api
