// /api/flow_run_states routes (Prefect's api/flow_run_states.py).
#include "api/routes.h"
#include "api/state_history_routes.h"
#include "store/flow_run_repository.h"

namespace praetor::api {

void register_flow_run_state_routes(Router& router, ApiContext& ctx) {
  add_state_history_routes(router, ctx, "/api/flow_run_states",
                           {"flow_run_id", store::flow_runs::read_state, store::flow_runs::list_states});
}

}  // namespace praetor::api
