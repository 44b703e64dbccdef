// /api/saved_searches routes (Prefect's api/saved_searches.py), declared through the route kit.
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/saved_search.h"

namespace praetor::api {

void register_saved_search_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  add_resource_routes(router, ctx,
                      {.model = &core::saved_search_model(),
                       .base = "/api/saved_searches",
                       .ops = op::kUpsert | op::kRead | op::kDelete | op::kFilter,
                       .not_found = "Saved search not found"});
}

}  // namespace praetor::api
