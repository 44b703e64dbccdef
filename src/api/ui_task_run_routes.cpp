// /api/ui/task_runs/count and /api/ui/task_runs/{id} (Prefect's api/ui/task_runs.py): the
// task-run counts per state type the run pages chart, and a task run with its flow run's name.
#include "api/list_request.h"
#include "api/routes.h"
#include "core/state.h"
#include "core/task_run.h"
#include "store/task_run_repository.h"
#include "store/ui_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

// CountByState: every state type, in Prefect's field order, 0 when no run has it.
constexpr const char* kCountedStateTypes[] = {"COMPLETED", "PENDING", "RUNNING",    "FAILED",   "CANCELLED",
                                              "CRASHED",   "PAUSED",  "CANCELLING", "SCHEDULED"};

core::Result<Response> count_by_state(ApiContext& ctx, const Request& req) {
  auto where = parse_count_request(req, FilterRoot::kTaskRun);
  if (!where) return where.error();
  auto counts = ctx.db.read<std::map<std::string, int64_t>>(
      [&](Connection& c) -> core::Result<std::map<std::string, int64_t>> {
        return store::ui::task_run_state_counts(c, *where);
      });
  if (!counts) return counts.error();
  json::object out;
  for (const char* type : kCountedStateTypes) {
    auto it = counts->find(type);
    out[type] = it == counts->end() ? 0 : it->second;
  }
  return json_response(200, out);
}

core::Result<Response> read_with_flow_run_name(ApiContext& ctx, const std::string& id) {
  struct Found {
    core::TaskRun run;
    std::optional<std::string> flow_run_name;
  };
  auto found = ctx.db.read<std::optional<Found>>([&](Connection& c) -> core::Result<std::optional<Found>> {
    auto run = store::task_runs::read(c, id);
    if (!run) return std::optional<Found>{};
    std::optional<std::string> name;
    if (run->flow_run_id) name = store::ui::flow_run_name(c, *run->flow_run_id);
    return std::optional<Found>(Found{std::move(*run), std::move(name)});
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("Task not found");
  json::object out = core::to_json((*found)->run, ctx.clock.now());
  out["flow_run_name"] = (*found)->flow_run_name ? json::value(*(*found)->flow_run_name) : json::value(nullptr);
  return json_response(200, out);
}

}  // namespace

void register_ui_task_run_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/ui/task_runs/count",
             [&ctx](const Request& req, const PathParams&) { return count_by_state(ctx, req); });
  router.add("GET", "/api/ui/task_runs/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_with_flow_run_name(ctx, p.at("id")); });
}

}  // namespace praetor::api
