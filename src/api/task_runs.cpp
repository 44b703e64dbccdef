// /api/task_runs routes (Prefect's api/task_runs.py): create (get-or-create), read, rename,
// delete and set_state; filter, count and paginate (FilterRoot::kTaskRun, api/filter_registry.h).
#include "api/list_routes.h"
#include "api/routes.h"
#include "api/task_run_rollup_filter.h"
#include "runs/task_run_transition.h"
#include "core/json_util.h"
#include "core/slug.h"
#include "store/task_run_repository.h"
#include "store/task_run_rollup.h"

namespace praetor::api {

using runs::create_task_run;
using runs::set_task_run_state;
using runs::TaskRunCreateResult;
using runs::TaskRunSetStateResult;

namespace json = boost::json;
using store::Connection;

namespace {

core::Result<Response> create(ApiContext& ctx, TaskRunDispatcher& dispatcher, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  auto parsed = core::parse_task_run_create(*body, now);
  if (!parsed) return parsed.error();
  auto result = ctx.db.write<TaskRunCreateResult>(
      [&](Connection& c) -> core::Result<TaskRunCreateResult> { return create_task_run(c, *parsed, now); });
  if (!result) return result.error();
  // A background task run (deferred, Scheduled) may have been queued for a task worker.
  if (result->created && result->run.state && result->run.state->type == core::StateType::kScheduled) {
    dispatcher.wake();
  }
  return json_response(result->created ? 201 : 200, core::to_json(result->run, ctx.clock.now()));
}

core::Result<Response> read(ApiContext& ctx, const std::string& id) {
  auto run = ctx.db.read<std::optional<core::TaskRun>>(
      [&](Connection& c) -> core::Result<std::optional<core::TaskRun>> { return store::task_runs::read(c, id); });
  if (!run) return run.error();
  if (!*run) return core::Error::not_found("Task not found");
  return json_response(200, core::to_json(**run, ctx.clock.now()));
}

core::Result<Response> update(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  std::optional<std::string> name;
  if (r.present("name")) {
    // TaskRunUpdate.name: an explicit null or "" becomes a new slug (get_or_create_run_name).
    name = r.string("name").value_or("");
    if (name->empty()) name = core::generate_slug();
  }
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>(
      [&](Connection& c) -> core::Result<bool> { return store::task_runs::update(c, id, name, now); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("Task run not found");
  return no_content();
}

core::Result<Response> remove(ApiContext& ctx, const std::string& id) {
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> { return store::task_runs::remove(c, id); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("Task not found");
  return no_content();
}

core::Result<Response> set_state(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  core::FieldReader r(*body, json::array{"body"});
  const json::value* state_body = r.is_object() ? r.raw("state") : nullptr;
  if (r.is_object() && (!state_body || state_body->is_null())) {
    (void)r.object("state", true);
  }
  bool force = r.boolean("force").value_or(false);
  if (!r.ok()) return r.error();
  auto proposed = core::parse_state_create(*state_body, json::array{"body", "state"}, now);
  if (!proposed) return proposed.error();
  auto result = ctx.db.write<TaskRunSetStateResult>([&](Connection& c) -> core::Result<TaskRunSetStateResult> {
    store::task_runs::lock_for_update(c, id);
    return set_task_run_state(c, id, *proposed, force, now);
  });
  if (!result) return result.error();
  return json_response(result->written ? 201 : 200, to_json(*result));
}

ListSource task_run_list_source(ApiContext& ctx) {
  return {root_query(FilterRoot::kTaskRun),
          [&ctx](store::Connection& c, const store::SqlCondition& where, const std::string& order_by,
                 const Pagination& page) {
            json::array out;
            auto now = ctx.clock.now();
            for (const auto& run : store::task_runs::list(c, where, order_by, page.limit, page.offset)) {
              out.emplace_back(core::to_json(run, now));
            }
            return out;
          },
          [](store::Connection& c, const store::SqlCondition& where) { return store::task_runs::count(c, where); },
          [](store::Connection& c, const json::object& body) -> std::optional<int64_t> {
            auto filter = rollup_filter(body);
            return filter ? store::task_run_rollup::count(c, *filter) : std::nullopt;
          },
          [](store::Connection& c, const json::object& body,
             const Pagination& page) -> std::optional<store::SqlCondition> {
            const auto* sort = body.if_contains("sort");
            if (!sort || !sort->is_string() || sort->as_string() != "EXPECTED_START_TIME_DESC") return std::nullopt;
            auto filter = rollup_filter(body);
            return filter ? store::task_run_rollup::page_range(c, *filter, page.offset + page.limit) : std::nullopt;
          }};
}

}  // namespace

void register_task_run_routes(Router& router, ApiContext& ctx, const std::shared_ptr<TaskRunDispatcher>& dispatcher) {
  router.add("POST", "/api/task_runs/",
             [&ctx, dispatcher](const Request& req, const PathParams&) { return create(ctx, *dispatcher, req); });
  add_list_routes(router, ctx, "/api/task_runs", task_run_list_source(ctx));
  router.add("GET", "/api/task_runs/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read(ctx, p.at("id")); });
  router.add("PATCH", "/api/task_runs/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/task_runs/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return remove(ctx, p.at("id")); });
  router.add("POST", "/api/task_runs/{id:uuid}/set_state",
             [&ctx](const Request& req, const PathParams& p) { return set_state(ctx, req, p.at("id")); });
}

}  // namespace praetor::api
