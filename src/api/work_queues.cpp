// /api/work_queues routes (Prefect's api/work_queues.py): the id-based work-queue API the
// `prefect work-queue` CLI and PrefectClient's work-queue methods use. Queues created here
// live in the "default-agent-pool" (created on first use, type prefect-agent), as upstream
// keeps legacy queues since work pools arrived; ids reach every queue of every pool.
#include "api/flow_run_slot_summary.h"
#include "api/list_request.h"
#include "api/names.h"
#include "api/routes.h"
#include "api/work_queue_response.h"
#include "api/work_queue_update.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/deployment_repository.h"
#include "store/work_pool_repository.h"
#include "store/work_queue_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

constexpr const char* kNotFound = "work queue not found";
constexpr int64_t kMaxSecondsSinceLastPolled = 60;  // WorkQueueHealthPolicy defaults
constexpr int64_t kMaxLateRuns = 0;

core::Result<core::WorkQueue> queue_by_id(Connection& c, const std::string& id, core::Error missing) {
  auto q = store::work_pools::read_queue(c, id);
  if (!q) return missing;
  return std::move(*q);
}

core::WorkPool default_agent_pool(Connection& c, core::Timestamp now) {
  if (auto pool = store::work_pools::read_by_name(c, store::work_queues::kDefaultAgentPool)) return std::move(*pool);
  core::WorkPool p;
  p.id = core::new_uuid4();
  p.created = p.updated = now;
  p.name = store::work_queues::kDefaultAgentPool;
  p.type = "prefect-agent";
  return *store::work_pools::create(c, p, core::new_uuid4());
}

// WorkQueueCreate. The deprecated `filter` is accepted and not kept.
core::Result<Response> create(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  core::WorkQueue q;
  q.name = r.string("name", true).value_or("");
  q.description = r.string("description").value_or("");
  q.is_paused = r.boolean("is_paused").value_or(false);
  q.concurrency_limit = r.integer("concurrency_limit");
  if (q.concurrency_limit && *q.concurrency_limit < 0) {
    r.add_error("concurrency_limit", "greater_than_equal", "Input should be greater than or equal to 0",
                *q.concurrency_limit);
  }
  auto priority = r.integer("priority");
  if (priority && *priority < 1) r.add_error("priority", "greater_than", "Input should be greater than 0", *priority);
  if (!r.ok()) return r.error();
  if (!is_prefect_name(q.name)) return core::invalid_request(json::array{name_pattern_error("name", q.name)});
  q.priority = priority.value_or(1);
  q.id = core::new_uuid4();
  auto now = ctx.clock.now();
  q.created = q.updated = now;
  auto out = ctx.db.write<json::object>([&](Connection& c) -> core::Result<json::object> {
    bool pool_existed = store::work_pools::read_by_name(c, store::work_queues::kDefaultAgentPool).has_value();
    core::WorkPool pool = default_agent_pool(c, now);
    // A new default agent pool already has its "default" queue: that is the answer.
    if (!pool_existed && q.name == "default" && pool.default_queue_id) {
      auto existing = store::work_pools::read_queue(c, *pool.default_queue_id);
      if (existing) return work_queue_json(c, *existing);
    }
    q.work_pool_id = pool.id;
    auto created = store::work_pools::create_queue(c, q, priority.has_value());
    if (!created) return core::Error::conflict("A work queue with this name already exists.");
    return core::to_json(*created, created->concurrency_limit ? std::optional<int64_t>(0) : std::nullopt);
  });
  if (!out) return out.error();
  return json_response(201, *out);
}

core::Result<Response> read(ApiContext& ctx, const std::string& id) {
  return work_queue_response(ctx, [&](Connection& c) { return queue_by_id(c, id, core::Error::not_found(kNotFound)); });
}

core::Result<Response> read_by_name(ApiContext& ctx, const std::string& name) {
  return work_queue_response(ctx, [&](Connection& c) -> core::Result<core::WorkQueue> {
    auto q = store::work_queues::read_by_name(c, name);
    if (!q) return core::Error::not_found(kNotFound);
    return std::move(*q);
  });
}

core::Result<Response> update(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto u = parse_queue_update(*body);
  if (!u) return u.error();
  auto now = ctx.clock.now();
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto q = queue_by_id(c, id, core::Error::not_found("Work Queue " + id + " not found"));
    if (!q) return q.error();
    store::work_pools::update_queue(c, q->id, *u, now);
    return core::Ok{};
  });
  if (!st) return st.error();
  return no_content();
}

core::Result<Response> remove(ApiContext& ctx, const std::string& id) {
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    if (!store::work_pools::remove_queue(c, id)) return core::Error::not_found(kNotFound);
    return core::Ok{};
  });
  if (!st) return st.error();
  return no_content();
}

// WorkQueueFilter over every queue, by name.
core::Result<Response> filter(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, store::FilterRoot::kWorkQueue, ctx.settings.default_limit);
  if (!list) return list.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    json::array a;
    for (const auto& q : store::work_pools::list_queues_where(c, list->where, list->page.limit, list->page.offset,
                                                              "ORDER BY work_queue.name")) {
      a.emplace_back(work_queue_json(c, q));
    }
    return a;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// The queue's scheduled runs; unless the UI asks (x-prefect-ui: true), the poll marks the
// queue and its deployments polled and READY (mark_work_queues_ready,
// mark_deployments_ready).
core::Result<Response> get_runs(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto before = r.timestamp("scheduled_before");
  if (!r.ok()) return r.error();
  auto page = store::read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto now = ctx.clock.now();
  auto runs = ctx.db.read<std::vector<core::FlowRun>>([&](Connection& c) -> core::Result<std::vector<core::FlowRun>> {
    auto q = queue_by_id(c, id, core::Error::object_not_found("Work queue with id " + id + " not found."));
    if (!q) return q.error();
    return store::work_queues::scheduled_runs(c, *q, before, page->limit);
  });
  if (!runs) return runs.error();
  bool from_ui = false;
  for (const auto& [name, value] : req.headers) {
    if (name == "x-prefect-ui") from_ui = value == "true" || value == "True" || value == "1";
  }
  if (!from_ui) {
    auto marked = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      store::work_pools::mark_queues_polled(c, {id}, now);
      return core::Ok{};
    });
    if (!marked) return marked.error();
  }
  json::array out;
  for (const auto& run : *runs) out.emplace_back(core::to_json(run, now));
  return json_response(200, out);
}

// WorkQueueStatusDetail under the default health policy: healthy when no run is Late and
// the queue was polled within 60 s.
core::Result<Response> status(ApiContext& ctx, const std::string& id) {
  auto now = ctx.clock.now();
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto q = queue_by_id(c, id, core::Error::object_not_found("Work queue with id " + id + " not found"));
    if (!q) return q.error();
    int64_t late = store::work_queues::late_runs(c, q->id);
    bool recent = q->last_polled && (now - *q->last_polled) <= std::chrono::seconds(kMaxSecondsSinceLastPolled);
    return json::object{
        {"healthy", late <= kMaxLateRuns && recent},
        {"late_runs_count", late},
        {"last_polled", q->last_polled ? json::value(core::format_timestamp(*q->last_polled)) : json::value(nullptr)},
        {"health_check_policy",
         json::object{{"maximum_late_runs", kMaxLateRuns},
                      {"maximum_seconds_since_last_polled", kMaxSecondsSinceLastPolled}}}};
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// WorkQueueConcurrencyStatus: the runs holding the queue's slots, a page at a time.
core::Result<Response> concurrency_status(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto page_number = r.integer("page");
  if (page_number && *page_number < 1) {
    r.add_error("page", "greater_than_equal", "Input should be greater than or equal to 1", *page_number);
  }
  if (!r.ok()) return r.error();
  json::object paging = *body;
  paging.erase("page");
  auto page = store::read_pagination(paging, ctx.settings.default_limit);
  if (!page) return page.error();
  int64_t page_no = page_number.value_or(1);
  int64_t limit = page->limit;
  auto now = ctx.clock.now();
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto q = queue_by_id(c, id, core::Error::not_found("Work queue not found."));
    if (!q) return q.error();
    int64_t total = store::work_queues::count_slot_holders(c, *q);
    json::array runs;
    for (const auto& run : store::work_queues::slot_holders(c, *q, (page_no - 1) * limit, limit)) {
      runs.emplace_back(flow_run_slot_summary(run, now));
    }
    return json::object{{"active_slots", total},
                        {"concurrency_limit", q->concurrency_limit ? json::value(*q->concurrency_limit) : nullptr},
                        {"flow_runs", std::move(runs)},
                        {"count", total},
                        {"limit", limit},
                        {"pages", limit > 0 ? (total + limit - 1) / limit : 0},
                        {"page", page_no}};
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace

void register_work_queue_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/work_queues/", [&ctx](const Request& req, const PathParams&) { return create(ctx, req); });
  router.add("POST", "/api/work_queues/filter",
             [&ctx](const Request& req, const PathParams&) { return filter(ctx, req); });
  router.add("GET", "/api/work_queues/name/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_by_name(ctx, p.at("name")); });
  router.add("GET", "/api/work_queues/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read(ctx, p.at("id")); });
  router.add("PATCH", "/api/work_queues/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/work_queues/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return remove(ctx, p.at("id")); });
  router.add("POST", "/api/work_queues/{id:uuid}/get_runs",
             [&ctx](const Request& req, const PathParams& p) { return get_runs(ctx, req, p.at("id")); });
  router.add("GET", "/api/work_queues/{id:uuid}/status",
             [&ctx](const Request&, const PathParams& p) { return status(ctx, p.at("id")); });
  router.add("POST", "/api/work_queues/{id:uuid}/concurrency_status",
             [&ctx](const Request& req, const PathParams& p) { return concurrency_status(ctx, req, p.at("id")); });
}

}  // namespace praetor::api
