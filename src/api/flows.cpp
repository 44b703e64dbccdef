// /api/flows routes (Prefect's api/flows.py).
#include "api/async_write.h"
#include "api/list_request.h"
#include "api/list_routes.h"
#include "api/names.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/flow_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

// Non-blocking (Router::add_async): the by-name read is one indexed lookup; a new flow's
// write completes asynchronously.
void create_flow(ApiContext& ctx, const Request& req, Respond respond) {
  auto body = core::parse_body(req.body);
  if (!body) return respond_now(respond, body.error());
  core::FieldReader r(*body, json::array{"body"});
  core::Flow f;
  f.name = r.string("name", true).value_or("");
  f.tags = r.string_list("tags").value_or(std::vector<std::string>{});
  if (const json::object* labels = r.object("labels")) f.labels = *labels;
  if (!r.ok()) return respond_now(respond, r.error());
  if (!is_prefect_name(f.name)) {
    return respond_now(respond, core::invalid_request(json::array{name_pattern_error("name", f.name)}));
  }
  // Every SDK flow run starts with this call for a flow that usually exists: answer those
  // from a read and keep them off the single writer. A flow created meanwhile by another
  // request is still found by get_or_create below.
  auto existing = ctx.db.read<std::optional<core::Flow>>(
      [&](Connection& c) -> core::Result<std::optional<core::Flow>> { return store::flows::read_by_name(c, f.name); });
  if (!existing) return respond_now(respond, existing.error());
  if (*existing) return respond_now(respond, json_response(200, core::to_json(**existing)));
  f.id = core::new_uuid4();
  f.created = f.updated = ctx.clock.now();
  write_then<store::flows::CreateResult>(
      ctx.db, std::move(respond),
      [f](Connection& c) -> core::Result<store::flows::CreateResult> { return store::flows::get_or_create(c, f); },
      [](store::flows::CreateResult& result) -> core::Result<Response> {
        return json_response(result.created ? 201 : 200, core::to_json(result.flow));
      });
}

core::Result<Response> read_flow(ApiContext& ctx, const std::string& id) {
  auto f = ctx.db.read<std::optional<core::Flow>>(
      [&](Connection& c) -> core::Result<std::optional<core::Flow>> { return store::flows::read(c, id); });
  if (!f) return f.error();
  if (!*f) return core::Error::not_found("Flow not found");
  return json_response(200, core::to_json(**f));
}

core::Result<Response> read_flow_by_name(ApiContext& ctx, const std::string& name) {
  auto f = ctx.db.read<std::optional<core::Flow>>(
      [&](Connection& c) -> core::Result<std::optional<core::Flow>> { return store::flows::read_by_name(c, name); });
  if (!f) return f.error();
  if (!*f) return core::Error::not_found("Flow not found");
  return json_response(200, core::to_json(**f));
}

core::Result<Response> update_flow(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  auto tags = r.string_list("tags");
  std::optional<json::object> labels;
  if (const json::object* l = r.object("labels")) labels = *l;
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>(
      [&](Connection& c) -> core::Result<bool> { return store::flows::update(c, id, tags, labels, now); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("Flow not found");
  return no_content();
}

core::Result<Response> delete_flow(ApiContext& ctx, const std::string& id) {
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> { return store::flows::remove(c, id); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("Flow not found");
  return no_content();
}

ListSource flow_list_source() {
  return {root_query(store::FilterRoot::kFlow),
          [](Connection& c, const store::SqlCondition& where, const std::string& order_by, const store::Pagination& page) {
            json::array out;
            for (const auto& f : store::flows::list(c, where, order_by, page.limit, page.offset)) {
              out.emplace_back(core::to_json(f));
            }
            return out;
          },
          [](Connection& c, const store::SqlCondition& where) { return store::flows::count(c, where); }};
}

core::Result<Response> bulk_delete_flows(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto limit = read_bulk_limit(*body);
  if (!limit) return limit.error();
  // Only the "flows" filter applies here, as in Prefect.
  json::object filter_only;
  if (auto it = body->find("flows"); it != body->end()) filter_only["flows"] = it->value();
  auto where = store::compile_filter_body(filter_only, store::FilterRoot::kFlow);
  if (!where) return where.error();
  auto order = store::compile_sort(nullptr, store::FilterRoot::kFlow);
  if (!order) return order.error();
  auto deleted = ctx.db.write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (const auto& f : store::flows::list(c, *where, *order, *limit, 0)) ids.push_back(f.id);
    return store::flows::remove_many(c, ids);
  });
  if (!deleted) return deleted.error();
  json::array ids;
  for (const auto& id : *deleted) ids.emplace_back(id);
  return json_response(200, json::object{{"deleted", std::move(ids)}});
}

}  // namespace

void register_flow_routes(Router& router, ApiContext& ctx) {
  router.add_async("POST", "/api/flows/",
                   [&ctx](const Request& req, const PathParams&, Respond respond) { create_flow(ctx, req, std::move(respond)); });
  router.add("GET", "/api/flows/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_flow(ctx, p.at("id")); });
  router.add("GET", "/api/flows/name/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_flow_by_name(ctx, p.at("name")); });
  router.add("PATCH", "/api/flows/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update_flow(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/flows/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_flow(ctx, p.at("id")); });
  add_list_routes(router, ctx, "/api/flows", flow_list_source());
  router.add("POST", "/api/flows/bulk_delete",
             [&ctx](const Request& req, const PathParams&) { return bulk_delete_flows(ctx, req); });
}

}  // namespace praetor::api
