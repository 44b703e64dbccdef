#include "api/routes.h"

namespace praetor::api {

void register_routes(Router& router, ApiContext& context) {
  register_root_routes(router, context);
  register_flow_routes(router, context);
  register_event_routes(router, context);
  register_log_routes(router, context);
  register_concurrency_limit_v2_routes(router, context);
  register_flow_run_routes(router, context);
  register_flow_run_state_routes(router, context);
  register_task_run_routes(router, context);
  register_task_run_state_routes(router, context);
  register_work_pool_routes(router, context);
  register_deployment_routes(router, context);
  register_ui_routes(router, context);
}

}  // namespace praetor::api
