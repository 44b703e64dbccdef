// /api/flows routes (Prefect's api/flows.py): the route kit's reads, update, delete and list
// routes over core::flow_model(), with Prefect's get-or-create POST and bulk delete.
#include "api/async_write.h"
#include "api/list_request.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/flow.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/flow_repository.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

// Non-blocking (Router::add_async): the by-name read is one indexed lookup; a new flow's
// write completes asynchronously.
void create_flow(ApiContext& ctx, const Request& req, Respond respond) {
  auto body = core::parse_body(req.body);
  if (!body) return respond_now(respond, body.error());
  auto proposed = core::read_create(core::flow_model(), *body);
  if (!proposed) return respond_now(respond, proposed.error());
  const std::string name(proposed->at("name").get_string());
  // Every SDK flow run starts with this call for a flow that usually exists: answer those
  // from a read and keep them off the single writer. A flow created meanwhile by another
  // request is still found by get_or_create below.
  auto existing = ctx.db.read<std::optional<json::object>>(
      [&](Connection& c) -> core::Result<std::optional<json::object>> { return store::flows::read_by_name(c, name); });
  if (!existing) return respond_now(respond, existing.error());
  if (*existing) return respond_now(respond, json_response(200, core::to_response(core::flow_model(), **existing)));
  auto now = core::format_timestamp(ctx.clock.now());
  (*proposed)["id"] = core::new_uuid4();
  (*proposed)["created"] = now;
  (*proposed)["updated"] = now;
  write_then<store::flows::CreateResult>(
      ctx.db, std::move(respond),
      [flow = std::move(*proposed)](Connection& c) -> core::Result<store::flows::CreateResult> {
        return store::flows::get_or_create(c, flow);
      },
      [](store::flows::CreateResult& result) -> core::Result<Response> {
        return json_response(result.created ? 201 : 200, core::to_response(core::flow_model(), result.flow));
      });
}

core::Result<Response> bulk_delete_flows(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto limit = read_bulk_limit(*body);
  if (!limit) return limit.error();
  // Only the "flows" filter applies here, as in Prefect.
  json::object filter_only;
  if (auto it = body->find("flows"); it != body->end()) filter_only["flows"] = it->value();
  auto where = compile_filter_body(filter_only, FilterRoot::kFlow);
  if (!where) return where.error();
  auto order = compile_sort(nullptr, FilterRoot::kFlow);
  if (!order) return order.error();
  auto deleted = ctx.db.write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (const auto& f : store::model_rows::list(c, core::flow_model(), *where, *order, *limit, 0)) {
      ids.emplace_back(f.at("id").get_string());
    }
    return store::flows::remove_many(c, ids);
  });
  if (!deleted) return deleted.error();
  json::array ids;
  for (const auto& id : *deleted) ids.emplace_back(id);
  return json_response(200, json::object{{"deleted", std::move(ids)}});
}

}  // namespace

void register_flow_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  router.add_async("POST", "/api/flows/",
                   [&ctx](const Request& req, const PathParams&, Respond respond) { create_flow(ctx, req, std::move(respond)); });
  add_resource_routes(router, ctx,
                      {.model = &core::flow_model(),
                       .base = "/api/flows",
                       .ops = op::kRead | op::kReadByName | op::kUpdate | op::kDelete | op::kFilter | op::kCount |
                              op::kPaginate,
                       .not_found = "Flow not found",
                       .list_query = root_query(FilterRoot::kFlow)});
  router.add("POST", "/api/flows/bulk_delete",
             [&ctx](const Request& req, const PathParams&) { return bulk_delete_flows(ctx, req); });
}

}  // namespace praetor::api
