// /api/flows routes (Prefect's api/flows.py).
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/flow_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

core::Result<Response> create_flow(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  core::Flow f;
  f.name = r.string("name", true).value_or("");
  f.tags = r.string_list("tags").value_or(std::vector<std::string>{});
  if (const json::object* labels = r.object("labels")) f.labels = *labels;
  if (!r.ok()) return r.error();
  f.id = core::new_uuid4();
  f.created = f.updated = ctx.clock.now();
  auto result = ctx.db.write<store::flows::CreateResult>(
      [&](Connection& c) -> core::Result<store::flows::CreateResult> { return store::flows::get_or_create(c, f); });
  if (!result) return result.error();
  return json_response(result->created ? 201 : 200, core::to_json(result->flow));
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

}  // namespace

void register_flow_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/flows/", [&ctx](const Request& req, const PathParams&) { return create_flow(ctx, req); });
  router.add("GET", "/api/flows/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_flow(ctx, p.at("id")); });
  router.add("GET", "/api/flows/name/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_flow_by_name(ctx, p.at("name")); });
  router.add("PATCH", "/api/flows/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update_flow(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/flows/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_flow(ctx, p.at("id")); });
}

}  // namespace praetor::api
