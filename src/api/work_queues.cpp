// The work-queue routes: the id-based /api/work_queues API (Prefect's api/work_queues.py),
// which the `prefect work-queue` CLI and PrefectClient's work-queue methods use, and the
// pool-scoped /api/work_pools/{pool}/queues API (api/workers.py). Both read and write
// core::work_queue_model() objects and answer WorkQueueResponse (api/work_queue_view.h);
// the by-id read, delete and filter are the route kit's. Queues created through
// /work_queues/ live in the "default-agent-pool" (created on first use, type
// prefect-agent), as upstream keeps legacy queues since work pools arrived; ids reach every
// queue of every pool.
#include <spdlog/spdlog.h>

#include "api/flow_run_slot_summary.h"
#include "api/list_request.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "api/work_pool_events.h"
#include "api/work_queue_view.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "core/work_queue.h"
#include "runs/readiness_events.h"
#include "runs/work_queue_events.h"
#include "store/deployment_repository.h"
#include "store/model_table.h"
#include "store/work_pool_repository.h"
#include "store/work_queue_repository.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

constexpr const char* kNotFound = "work queue not found";
constexpr int64_t kMaxSecondsSinceLastPolled = 60;  // WorkQueueHealthPolicy defaults
constexpr int64_t kMaxLateRuns = 0;

const core::Model& model() { return core::work_queue_model(); }

core::Result<core::WorkQueue> queue_by_id(Connection& c, const std::string& id, core::Error missing) {
  auto q = store::work_pools::read_queue(c, id);
  if (!q) return missing;
  return std::move(*q);
}

core::Error pool_not_found(const std::string& name) {
  return core::Error::not_found("Work pool \"" + name + "\" not found.");
}

core::Result<core::WorkPool> pool_by_name(Connection& c, const std::string& name) {
  auto pool = store::work_pools::read_by_name(c, name);
  if (!pool) return pool_not_found(name);
  return std::move(*pool);
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

// A WorkQueueCreate body read by the model (the deprecated `filter` is accepted and not
// kept), stamped as a new queue.
core::Result<json::object> read_new_queue(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto q = core::read_create(model(), *body);
  if (!q) return q.error();
  auto now = core::format_timestamp(ctx.clock.now());
  (*q)["id"] = core::new_uuid4();
  (*q)["created"] = now;
  (*q)["updated"] = now;
  (*q)["last_polled"] = nullptr;
  return q;
}

// The answer to a queue read in one snapshot: `find` gives the stored queue or the error.
core::Result<Response> answer_queue(ApiContext& ctx,
                                    const std::function<core::Result<json::object>(Connection&)>& find) {
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto q = find(c);
    if (!q) return q.error();
    return work_queue_body(c, *q);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// Whether the stored queue `q` was polled within the last 60 s (Prefect's
// is_last_polled_recent).
bool polled_recently(const json::object& q, core::Timestamp now) {
  const json::value* polled = q.if_contains("last_polled");
  if (!polled || !polled->is_string()) return false;
  auto at = core::parse_timestamp(polled->get_string());
  return at && now - *at <= std::chrono::seconds(60);
}

// A WorkQueueUpdate applied to the queue `find` gives: only the fields present change (a
// null concurrency_limit clears it); 204.
core::Result<Response> update_queue(ApiContext& ctx, const Request& req,
                                    const std::function<core::Result<json::object>(Connection&)>& find) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto changes = core::read_update(model(), *body);
  if (!changes) return changes.error();
  const auto at = ctx.clock.now();
  auto now = core::format_timestamp(at);
  std::vector<events::Event> made;  // the status event of a pause or unpause
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto q = find(c);
    if (!q) return q.error();
    const json::object before = *q;
    const bool was_paused = q->at("is_paused").is_bool() && q->at("is_paused").get_bool();
    for (auto& [field, value] : *changes) (*q)[field] = value;
    (*q)["updated"] = now;
    // Prefect's update_work_queue: a pause shows PAUSED; an unpause makes the queue READY
    // when it was polled within the last 60 s, else NOT_READY.
    store::StatusChanges changed;
    if (const json::value* paused = changes->if_contains("is_paused");
        paused && paused->is_bool() && paused->get_bool() != was_paused) {
      if (!paused->get_bool()) (*q)["status"] = polled_recently(*q, at) ? "READY" : "NOT_READY";
      changed.work_queues.emplace_back(q->at("id").get_string());
    }
    rows::replace(c, model(), *q);
    made = runs::readiness_events(c, changed, at);
    if (auto e = runs::work_queue_updated_event(c, before, *q, at)) made.insert(made.begin(), std::move(*e));
    return core::Ok{};
  });
  if (!st) return st.error();
  if (!made.empty()) ctx.events.publish(std::move(made));
  return no_content();
}

// ---- /work_queues

core::Result<Response> create(ApiContext& ctx, const Request& req) {
  auto q = read_new_queue(ctx, req);
  if (!q) return q.error();
  auto now = ctx.clock.now();
  std::vector<events::Event> created;
  auto out = ctx.db.write<json::object>([&](Connection& c) -> core::Result<json::object> {
    created.clear();
    bool pool_existed = store::work_pools::read_by_name(c, store::work_queues::kDefaultAgentPool).has_value();
    core::WorkPool pool = default_agent_pool(c, now);
    if (!pool_existed) created = new_work_pool_events(c, core::to_object(pool), now);
    // A new default agent pool already has its "default" queue: that is the answer.
    if (!pool_existed && q->at("name") == "default" && pool.default_queue_id) {
      if (auto existing = rows::find(c, model(), "id", *pool.default_queue_id)) return work_queue_body(c, *existing);
    }
    (*q)["work_pool_id"] = pool.id;
    if (!store::work_queues::insert(c, *q)) return core::Error::conflict("A work queue with this name already exists.");
    created.push_back(runs::work_queue_event(c, "prefect.work-queue.created", *q, now));
    return work_queue_body(c, *q);
  });
  if (!out) return out.error();
  if (!created.empty()) ctx.events.publish(std::move(created));
  return json_response(201, *out);
}

core::Result<Response> read_by_name(ApiContext& ctx, const std::string& name) {
  return answer_queue(ctx, [&](Connection& c) -> core::Result<json::object> {
    auto q = store::work_queues::read_by_name(c, name);
    if (!q) return core::Error::not_found(kNotFound);
    return std::move(*q);
  });
}

core::Result<Response> update(ApiContext& ctx, const Request& req, const std::string& id) {
  return update_queue(ctx, req, [&](Connection& c) -> core::Result<json::object> {
    auto q = rows::find(c, model(), "id", id);
    if (!q) return core::Error::not_found("Work Queue " + id + " not found");
    return std::move(*q);
  });
}

// read_work_queues: WorkQueueFilter (and its related families) over every queue, by name;
// the route takes no sort.
ListQuery all_queues_by_name() {
  return {root_query(FilterRoot::kWorkQueue).where,
          [](const json::value*) -> core::Result<std::string> { return std::string("ORDER BY work_queue.name"); }};
}

// ---- /work_pools/{pool}/queues

core::Result<json::object> queue_in_pool(Connection& c, const std::string& pool_name, const std::string& name) {
  auto pool = pool_by_name(c, pool_name);
  if (!pool) return pool.error();
  auto q = store::work_queues::find_in_pool(c, pool->id, name);
  if (!q) return core::Error::not_found("Work pool queue '" + pool_name + "/" + name + "' not found.");
  return std::move(*q);
}

core::Result<Response> create_in_pool(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto q = read_new_queue(ctx, req);
  if (!q) return q.error();
  const auto now = ctx.clock.now();
  std::optional<events::Event> created;
  auto out = ctx.db.write<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    (*q)["work_pool_id"] = pool->id;
    // Upstream's text is a plain string with the braces left in.
    if (!store::work_queues::insert(c, *q)) {
      return core::Error::conflict("A work queue with this name already exists in work pool {work_pool_name!r}.");
    }
    created = runs::work_queue_event(c, "prefect.work-queue.created", *q, now);
    return work_queue_body(c, *q);
  });
  if (!out) return out.error();
  if (created) ctx.events.publish({std::move(*created)});
  return json_response(201, *out);
}

core::Result<Response> filter_in_pool(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto list = parse_list_request(req, FilterRoot::kWorkQueue, ctx.settings.default_limit);
  if (!list) return list.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    store::SqlCondition where = list->where;
    where.sql = "(" + where.sql + ") AND work_queue.work_pool_id = ?";
    where.params.emplace_back(pool->id);
    return work_queue_bodies(c, rows::list(c, model(), where, list->order_by, list->page.limit, list->page.offset));
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> delete_in_pool(ApiContext& ctx, const std::string& pool_name, const std::string& name) {
  std::optional<events::Event> deleted;
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto q = queue_in_pool(c, pool_name, name);
    if (!q) return q.error();
    deleted = runs::work_queue_event(c, "prefect.work-queue.deleted", *q, ctx.clock.now());
    store::work_queues::remove(c, std::string(q->at("id").get_string()));
    return core::Ok{};
  });
  if (!st) return st.error();
  if (deleted) ctx.events.publish({std::move(*deleted)});
  return no_content();
}

// ---- a queue's runs and health

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
  auto page = read_pagination(*body, ctx.settings.default_limit);
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
    auto marked = ctx.db.write<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
      return runs::readiness_events(c, store::work_pools::mark_queues_polled(c, {id}, now), now);
    });
    if (!marked) return marked.error();
    if (!marked->empty()) ctx.events.publish(std::move(*marked));
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
  auto page = read_pagination(paging, ctx.settings.default_limit);
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
  namespace op = resource_op;
  router.add("POST", "/api/work_queues/", [&ctx](const Request& req, const PathParams&) { return create(ctx, req); });
  router.add("GET", "/api/work_queues/name/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_by_name(ctx, p.at("name")); });
  router.add("PATCH", "/api/work_queues/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update(ctx, req, p.at("id")); });
  add_resource_routes(router, ctx,
                      {.model = &model(),
                       .base = "/api/work_queues",
                       .ops = op::kRead | op::kDelete | op::kFilter,
                       .not_found = kNotFound,
                       .list_query = all_queues_by_name(),
                       .read_view = work_queue_bodies,
                       // Deployments that used the queue keep no queue.
                       .on_deleting = [](Connection& c, const json::object& q) {
                         store::work_queues::detach_deployments(c, std::string(q.at("id").get_string()));
                       },
                       // Its pool outlives it: the deleted event relates the pool.
                       .on_committed = [&ctx](const ResourceRoutes::Committed& write) {
                         if (write.action != "deleted") return;
                         auto made = ctx.db.read<events::Event>([&](Connection& c) -> core::Result<events::Event> {
                           return runs::work_queue_event(c, "prefect.work-queue.deleted", write.object, ctx.clock.now());
                         });
                         if (!made) {
                           spdlog::warn("work queue {}: its deleted event was not made: {}",
                                        std::string(write.object.at("id").get_string()), made.error().message);
                           return;
                         }
                         ctx.events.publish({std::move(*made)});
                       }});
  router.add("POST", "/api/work_queues/{id:uuid}/get_runs",
             [&ctx](const Request& req, const PathParams& p) { return get_runs(ctx, req, p.at("id")); });
  router.add("GET", "/api/work_queues/{id:uuid}/status",
             [&ctx](const Request&, const PathParams& p) { return status(ctx, p.at("id")); });
  router.add("POST", "/api/work_queues/{id:uuid}/concurrency_status",
             [&ctx](const Request& req, const PathParams& p) { return concurrency_status(ctx, req, p.at("id")); });

  const std::string in_pool = "/api/work_pools/{pool}/queues";
  router.add("POST", in_pool,
             [&ctx](const Request& req, const PathParams& p) { return create_in_pool(ctx, req, p.at("pool")); });
  router.add("POST", in_pool + "/filter",
             [&ctx](const Request& req, const PathParams& p) { return filter_in_pool(ctx, req, p.at("pool")); });
  router.add("GET", in_pool + "/{name}", [&ctx](const Request&, const PathParams& p) {
    return answer_queue(ctx, [&](Connection& c) { return queue_in_pool(c, p.at("pool"), p.at("name")); });
  });
  router.add("PATCH", in_pool + "/{name}", [&ctx](const Request& req, const PathParams& p) {
    return update_queue(ctx, req, [&](Connection& c) { return queue_in_pool(c, p.at("pool"), p.at("name")); });
  });
  router.add("DELETE", in_pool + "/{name}",
             [&ctx](const Request&, const PathParams& p) { return delete_in_pool(ctx, p.at("pool"), p.at("name")); });
}

}  // namespace praetor::api
