// POST /api/work_pools/{name}/concurrency_status (Prefect's api/workers.py): the pool's runs
// holding slots (PENDING or RUNNING), its queues a page at a time, each with its active slots
// and at most `flow_run_limit` of its slot-holding runs.
#include "api/flow_run_slot_summary.h"
#include "api/list_request.h"
#include "api/routes.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

constexpr int64_t kMaxFlowRunLimit = 200;

// Python's repr() of a str, as Prefect's f"{name!r}" writes it.
std::string python_repr(const std::string& s) {
  bool double_quoted = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  return double_quoted ? "\"" + s + "\"" : "'" + s + "'";
}

core::Result<Response> concurrency_status(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  int64_t page_no = r.integer("page").value_or(1);
  if (page_no < 1) r.add_error("page", "greater_than_equal", "Input should be greater than or equal to 1", page_no);
  int64_t flow_run_limit = r.integer("flow_run_limit").value_or(10);
  if (flow_run_limit < 0) {
    r.add_error("flow_run_limit", "greater_than_equal", "Input should be greater than or equal to 0", flow_run_limit);
  } else if (flow_run_limit > kMaxFlowRunLimit) {
    r.add_error("flow_run_limit", "less_than_equal", "Input should be less than or equal to 200", flow_run_limit);
  }
  if (!r.ok()) return r.error();
  json::object paging = *body;
  paging.erase("page");
  paging.erase("flow_run_limit");
  auto page = read_pagination(paging, ctx.settings.default_limit);
  if (!page) return page.error();
  const int64_t limit = page->limit;
  auto now = ctx.clock.now();
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto pool = store::work_pools::read_by_name(c, pool_name);
    if (!pool) return core::Error::not_found("Work pool " + python_repr(pool_name) + " not found.");
    store::SqlCondition in_pool;
    in_pool.sql = "work_pool_id = ?";
    in_pool.params = {pool->id};
    auto all_queues = store::work_pools::list_queues(c, pool->id);
    auto queues = store::work_pools::list_queues_where(c, in_pool, limit, (page_no - 1) * limit);
    auto active_by_queue = store::work_pools::active_runs_by_queue(c, pool->id);
    int64_t total_active = 0;
    for (const auto& [_, n] : active_by_queue) total_active += n;
    json::array details;
    for (const auto& q : queues) {
      auto it = active_by_queue.find(q.id);
      int64_t active = it == active_by_queue.end() ? 0 : it->second;
      json::array runs;
      if (active > 0 && flow_run_limit > 0) {
        for (const auto& run : store::work_pools::slot_holders_in_queue(c, q.id, flow_run_limit)) {
          runs.emplace_back(flow_run_slot_summary(run, now));
        }
      }
      details.emplace_back(json::object{{"queue_id", q.id},
                                        {"queue_name", q.name},
                                        {"active_slots", active},
                                        {"concurrency_limit", q.concurrency_limit ? json::value(*q.concurrency_limit) : nullptr},
                                        {"flow_runs", std::move(runs)},
                                        {"flow_run_count", active}});
    }
    const auto count = static_cast<int64_t>(all_queues.size());
    return json::object{{"active_slots", total_active},
                        {"concurrency_limit", pool->concurrency_limit ? json::value(*pool->concurrency_limit) : nullptr},
                        {"queues", std::move(details)},
                        {"count", count},
                        {"limit", limit},
                        {"pages", limit > 0 ? (count + limit - 1) / limit : 0},
                        {"page", page_no}};
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace

void register_work_pool_concurrency_status_route(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/work_pools/{name}/concurrency_status", [&ctx](const Request& req, const PathParams& p) {
    return concurrency_status(ctx, req, p.at("name"));
  });
}

}  // namespace praetor::api
