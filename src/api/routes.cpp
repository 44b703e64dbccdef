#include "api/routes.h"

namespace praetor::api {

void register_routes(Router& router, ApiContext& context) {
  register_root_routes(router, context);
  register_flow_routes(router, context);
  register_event_routes(router, context);
}

}  // namespace praetor::api
