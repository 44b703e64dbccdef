// /api/task_run_states routes (Prefect's api/task_run_states.py).
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/task_run_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

core::Result<Response> read_state(ApiContext& ctx, const std::string& id) {
  auto state = ctx.db.read<std::optional<core::State>>(
      [&](Connection& c) -> core::Result<std::optional<core::State>> { return store::task_runs::read_state(c, id); });
  if (!state) return state.error();
  // Prefect's message, verbatim.
  if (!*state) return core::Error::not_found("Flow run state not found");
  return json_response(200, core::to_json(**state));
}

core::Result<Response> list_states(ApiContext& ctx, const Request& req) {
  auto raw = req.query_param("task_run_id");
  if (!raw) {
    return core::validation_error(json::array{"query", "task_run_id"}, "missing", "Field required", nullptr);
  }
  auto id = core::parse_uuid(*raw);
  if (!id) {
    return core::validation_error(json::array{"query", "task_run_id"}, "uuid_parsing", "Input should be a valid UUID",
                                  json::value(*raw));
  }
  auto states = ctx.db.read<std::vector<core::State>>(
      [&](Connection& c) -> core::Result<std::vector<core::State>> { return store::task_runs::list_states(c, *id); });
  if (!states) return states.error();
  json::array out;
  for (const auto& s : *states) out.push_back(core::to_json(s));
  return json_response(200, out);
}

}  // namespace

void register_task_run_state_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/task_run_states/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_state(ctx, p.at("id")); });
  router.add("GET", "/api/task_run_states/",
             [&ctx](const Request& req, const PathParams&) { return list_states(ctx, req); });
}

}  // namespace praetor::api
