// /api/flow_runs/{id}/input routes (Prefect's api/flow_runs.py, "input"): create, read (the
// value as text/plain), delete, and filter by key prefix.
#include "api/flow_run_inputs.h"

#include "api/list_request.h"
#include "api/routes.h"
#include "core/flow_run_input.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/flow_run_repository.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

constexpr const char* kInputNotFound = "Flow run input not found";

store::SqlCondition of_run(const std::string& flow_run_id) {
  return {"flow_run_input.flow_run_id = ?", {flow_run_id}};
}

core::Result<Response> create(ApiContext& ctx, const Request& req, const std::string& run_id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto input = core::read_create(core::flow_run_input_model(), *body);
  if (!input) return input.error();
  auto now = core::format_timestamp(ctx.clock.now());
  (*input)["id"] = core::new_uuid4();
  (*input)["created"] = now;
  (*input)["updated"] = now;
  (*input)["flow_run_id"] = run_id;
  auto written = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    if (!store::flow_runs::read(c, run_id)) return false;
    rows::insert(c, core::flow_run_input_model(), *input);
    return true;
  });
  if (!written) {
    if (written.error().kind == core::ErrorKind::kConflict) {
      return core::Error::conflict("A flow run input with this key already exists.");
    }
    return written.error();
  }
  if (!*written) return core::Error::not_found("Flow run not found");
  return json_response(201, nullptr);
}

core::Result<Response> read(ApiContext& ctx, const std::string& run_id, const std::string& key) {
  auto found = ctx.db.read<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    return find_flow_run_input(c, run_id, key);
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kInputNotFound);
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = (**found).at("value").get_string().c_str();
  return r;
}

core::Result<Response> remove(ApiContext& ctx, const std::string& run_id, const std::string& key) {
  auto removed = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    auto found = find_flow_run_input(c, run_id, key);
    if (!found) return false;
    return rows::erase(c, core::flow_run_input_model(), found->at("id").get_string());
  });
  if (!removed) return removed.error();
  if (!*removed) return core::Error::not_found(kInputNotFound);
  return no_content();
}

// {"prefix": str (required), "limit": int = 1, "exclude_keys": [str] = []}, oldest first.
core::Result<Response> filter(ApiContext& ctx, const Request& req, const std::string& run_id) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto prefix = r.string("prefix", true);
  int64_t limit = r.integer("limit").value_or(1);
  auto exclude = r.string_list("exclude_keys").value_or(std::vector<std::string>{});
  if (!r.ok()) return r.error();
  store::sql::Conditions c;
  c.add(of_run(run_id));
  c.add({"substr(flow_run_input.key, 1, length(?)) = ?", {*prefix, *prefix}});
  if (!exclude.empty()) c.add(store::sql::not_in_list("flow_run_input.key", exclude));
  auto where = std::move(c).join();
  auto found = ctx.db.read<json::array>([&](Connection& conn) -> core::Result<json::array> {
    return rows::list(conn, core::flow_run_input_model(), where, "ORDER BY flow_run_input.created ASC",
                      std::max<int64_t>(limit, 0), 0);
  });
  if (!found) return found.error();
  json::array out;
  for (const auto& row : *found) out.emplace_back(core::to_response(core::flow_run_input_model(), row.get_object()));
  return json_response(200, out);
}

}  // namespace

std::optional<json::object> find_flow_run_input(Connection& c, const std::string& flow_run_id, const std::string& key) {
  store::sql::Conditions cond;
  cond.add(of_run(flow_run_id));
  cond.add({"flow_run_input.key = ?", {key}});
  auto found = rows::list(c, core::flow_run_input_model(), std::move(cond).join(), "", 1, 0);
  if (found.empty()) return std::nullopt;
  return std::move(found[0].get_object());
}

void insert_flow_run_input(Connection& c, const std::string& flow_run_id, const std::string& key,
                           const std::string& value, core::Timestamp now) {
  auto at = core::format_timestamp(now);
  rows::insert(c, core::flow_run_input_model(),
               json::object{{"id", core::new_uuid4()}, {"created", at}, {"updated", at}, {"flow_run_id", flow_run_id},
                            {"key", key}, {"value", value}, {"sender", nullptr}});
}

void register_flow_run_input_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/flow_runs/{id:uuid}/input",
             [&ctx](const Request& req, const PathParams& p) { return create(ctx, req, p.at("id")); });
  router.add("POST", "/api/flow_runs/{id:uuid}/input/filter",
             [&ctx](const Request& req, const PathParams& p) { return filter(ctx, req, p.at("id")); });
  router.add("GET", "/api/flow_runs/{id:uuid}/input/{key}",
             [&ctx](const Request&, const PathParams& p) { return read(ctx, p.at("id"), p.at("key")); });
  router.add("DELETE", "/api/flow_runs/{id:uuid}/input/{key}",
             [&ctx](const Request&, const PathParams& p) { return remove(ctx, p.at("id"), p.at("key")); });
}

}  // namespace praetor::api
