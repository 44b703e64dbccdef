#include "api/state_history_routes.h"

#include <memory>

#include "core/json_util.h"
#include "core/uuid.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

core::Result<Response> read_state(ApiContext& ctx, const StateHistorySource& source, const std::string& id) {
  auto state = ctx.db.read<std::optional<core::State>>(
      [&](Connection& c) -> core::Result<std::optional<core::State>> { return source.read(c, id); });
  if (!state) return state.error();
  // Prefect says "Flow run state not found" for task-run states too.
  if (!*state) return core::Error::not_found("Flow run state not found");
  return json_response(200, core::to_json(**state));
}

core::Result<Response> list_states(ApiContext& ctx, const StateHistorySource& source, const Request& req) {
  json::array loc{"query", source.run_param};
  auto raw = req.query_param(source.run_param);
  if (!raw) return core::validation_error(loc, "missing", "Field required", nullptr);
  auto id = core::parse_uuid(*raw);
  if (!id) return core::validation_error(loc, "uuid_parsing", "Input should be a valid UUID", json::value(*raw));
  auto states = ctx.db.read<std::vector<core::State>>(
      [&](Connection& c) -> core::Result<std::vector<core::State>> { return source.list(c, *id); });
  if (!states) return states.error();
  json::array out;
  for (const auto& s : *states) out.push_back(core::to_json(s));
  return json_response(200, out);
}

}  // namespace

void add_state_history_routes(Router& router, ApiContext& ctx, const std::string& base, StateHistorySource source) {
  auto shared = std::make_shared<const StateHistorySource>(std::move(source));
  router.add("GET", base + "/{id:uuid}",
             [&ctx, shared](const Request&, const PathParams& p) { return read_state(ctx, *shared, p.at("id")); });
  router.add("GET", base + "/",
             [&ctx, shared](const Request& req, const PathParams&) { return list_states(ctx, *shared, req); });
}

}  // namespace praetor::api
