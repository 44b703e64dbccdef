// /api/variables routes (Prefect's api/variables.py), declared through the route kit.
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/variable.h"

namespace praetor::api {

void register_variable_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  add_resource_routes(
      router, ctx,
      {.model = &core::variable_model(),
       .base = "/api/variables",
       .ops = op::kCreate | op::kRead | op::kReadByName | op::kUpdate | op::kUpdateByName | op::kDelete |
              op::kDeleteByName | op::kFilter | op::kCount,
       .not_found = "Variable not found.",
       .conflict =
           [](const boost::json::object& v) {
             return "A variable with the name '" + std::string(v.at("name").get_string()) + "' already exists.";
           },
       .lifecycle_kind = "variable",
       .event_payload_fields = {"name", "value", "tags"}});
}

}  // namespace praetor::api
