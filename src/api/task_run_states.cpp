// /api/task_run_states routes (Prefect's api/task_run_states.py).
#include "api/routes.h"
#include "api/state_history_routes.h"
#include "store/task_run_repository.h"

namespace praetor::api {

void register_task_run_state_routes(Router& router, ApiContext& ctx) {
  add_state_history_routes(router, ctx, "/api/task_run_states",
                           {"task_run_id", store::task_runs::read_state, store::task_runs::list_states});
}

}  // namespace praetor::api
