// /api/work_pools routes (Prefect's api/workers.py): work pools (the route kit's, by name,
// over core::work_pool_model()), workers' heartbeats, and the worker's poll POST
// /work_pools/{name}/get_scheduled_flow_runs. The pool-scoped queue routes are with the
// other work-queue routes (work_queues.cpp).
// A change to a pool's base job template, concurrency limit, pause or storage
// configuration, and its deletion, reach the workers connected over the worker channel
// (worker_channel_hub.h) as snapshots, as Prefect's update_work_pool/delete_work_pool
// publish them.
#include <spdlog/spdlog.h>

#include "api/list_request.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "api/work_pool_events.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "runs/readiness_events.h"
#include "store/deployment_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

core::Error pool_not_found(const std::string& name) { return core::Error::not_found("Work pool \"" + name + "\" not found."); }

core::Result<core::WorkPool> pool_by_name(Connection& c, const std::string& name) {
  auto pool = store::work_pools::read_by_name(c, name);
  if (!pool) return pool_not_found(name);
  return std::move(*pool);
}

// ---- pools

// WorkPoolResponse: the pool's active slots are counted only when it has a limit.
json::array pool_bodies(Connection& c, json::array stored) {
  for (auto& v : stored) {
    const json::object& pool = v.get_object();
    std::optional<int64_t> slots;
    if (!pool.at("concurrency_limit").is_null()) {
      slots = store::work_pools::active_runs(c, std::string(pool.at("id").get_string()));
    }
    v = core::work_pool_response(pool, slots);
  }
  return stored;
}

// WORK_POOL_FIELDS_THAT_TRIGGER_SNAPSHOTS (server/utilities/worker_channel.py): sent, even
// as null.
bool changes_snapshot(const json::object& sent) {
  for (const char* field : {"base_job_template", "concurrency_limit", "is_paused", "storage_configuration"}) {
    if (sent.contains(field)) return true;
  }
  return false;
}

std::string id_of(const json::object& pool) { return std::string(pool.at("id").get_string()); }

// Prefect's create_work_pool events for a pool just committed (work_pool_events.h).
std::vector<events::Event> created_events(ApiContext& ctx, const json::object& pool, core::Timestamp now) {
  auto made = ctx.db.read<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
    return new_work_pool_events(c, pool, now);
  });
  if (!made) {
    spdlog::warn("work pool {}: its created events were not made: {}", id_of(pool), made.error().message);
    return {work_pool_created_event(pool, now)};
  }
  return std::move(*made);
}

// The pool's status event, read back after the commit that set its status: for a pool
// created (`before` null) or one an update paused or unpaused. None for a prefect-agent
// pool, which has no status in Prefect, or when the status did not change.
std::vector<events::Event> status_events(ApiContext& ctx, const json::object& pool, const json::object* before,
                                         core::Timestamp now) {
  if (pool.at("type") == "prefect-agent") return {};
  auto made = ctx.db.read<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
    auto stored = store::work_pools::read(c, id_of(pool));
    auto shown = [](const core::WorkPool& p) { return core::shown_status(p.is_paused, p.status); };
    if (!stored || (before && shown(*stored) == shown(core::work_pool_from(*before)))) return std::vector<events::Event>{};
    return runs::readiness_events(c, store::StatusChanges{.work_pools = {stored->id}}, now);
  });
  if (!made) {
    spdlog::warn("work pool {}: its status event was not made: {}", id_of(pool), made.error().message);
    return {};
  }
  return std::move(*made);
}

core::Result<core::Ok> refuse_reserved_create(json::object& proposed) {
  if (core::reserved_work_pool_name(proposed.at("name").get_string())) {
    return core::Error::forbidden("Work pools starting with 'Prefect' are reserved for internal use.");
  }
  // The default queue is created with the pool (on_created), under this id.
  proposed["default_queue_id"] = core::new_uuid4();
  return core::Ok{};
}

// A reserved pool's pause and concurrency limit may change; a new base job template or
// description may not (a null one is no change).
core::Result<core::Ok> refuse_reserved_update(std::string_view name, const json::object& /*sent*/,
                                              const json::object& changes) {
  if (!core::reserved_work_pool_name(name)) return core::Ok{};
  const json::value* description = changes.if_contains("description");
  if (changes.contains("base_job_template") || (description && !description->is_null())) {
    return core::Error::forbidden(
        "Work pools starting with 'Prefect' are reserved for internal use and can only be updated to set "
        "concurrency limits or pause.");
  }
  return core::Ok{};
}

core::Result<core::Ok> refuse_reserved_delete(std::string_view name) {
  if (core::reserved_work_pool_name(name)) {
    return core::Error::forbidden("Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.");
  }
  return core::Ok{};
}

void add_pool_routes(Router& router, ApiContext& ctx, const std::shared_ptr<WorkerChannelHub>& channel) {
  namespace op = resource_op;
  const std::string base = "/api/work_pools";
  ApiContext* context = &ctx;
  add_resource_routes(
      router, ctx,
      {.model = &core::work_pool_model(),
       .base = base,
       .ops = op::kCreate | op::kReadByName | op::kUpdateByName | op::kDeleteByName | op::kFilter | op::kCount,
       .not_found = "Work pool \"{key}\" not found.",
       .conflict = [](const json::object&) { return std::string("A work pool with this name already exists."); },
       .name_path = base + "/{name}",
       .list_query = root_query(FilterRoot::kWorkPool),
       .read_view = pool_bodies,
       .write_answers_read_view = true,
       .on_created =
           [](Connection& c, const json::object& pool) {
             store::work_pools::insert_default_queue(c, id_of(pool),
                                                     std::string(pool.at("default_queue_id").get_string()),
                                                     *core::parse_timestamp(pool.at("created").get_string()));
           },
       // Pausing marks the pool PAUSED; unpausing makes it READY with a worker online, else
       // NOT_READY (not for the prefect-agent type, as Prefect). A change workers see is
       // announced on the worker channel in the transaction.
       .on_updated =
           [context, channel](Connection& c, const json::object& pool, const json::object& sent) {
             if (const json::value* paused = sent.if_contains("is_paused");
                 paused && !paused->is_null() && pool.at("type") != "prefect-agent") {
               const std::string status = pool.at("is_paused").get_bool()                       ? "PAUSED"
                                          : store::work_pools::has_online_worker(c, id_of(pool)) ? "READY"
                                                                                                  : "NOT_READY";
               store::work_pools::set_status(c, id_of(pool), status, context->clock.now());
             }
             if (changes_snapshot(sent)) channel->announce(c, id_of(pool), "work_pool_updated");
           },
       .on_deleting =
           [channel](Connection& c, const json::object& pool) {
             store::work_pools::remove_dependents(c, id_of(pool));
             channel->announce(c, id_of(pool), "work_pool_deleted");
           },
       .prepare_create = refuse_reserved_create,
       .prepare_update = refuse_reserved_update,
       .prepare_delete = refuse_reserved_delete,
       // Prefect's work-pool events; the worker channel's publications (a deleted pool's
       // connected workers are closed with authorization_failed).
       .on_committed =
           [context, channel](const ResourceRoutes::Committed& write) {
             const json::object& pool = write.object;
             auto now = context->clock.now();
             std::vector<events::Event> events;
             if (write.action == "created") {
               events = created_events(*context, pool, now);
               for (auto& e : status_events(*context, pool, nullptr, now)) events.push_back(std::move(e));
             }
             if (write.action == "updated") {
               if (auto e = work_pool_updated_event(*write.before, pool, write.sent, now)) events.push_back(std::move(*e));
               for (auto& e : status_events(*context, pool, write.before, now)) events.push_back(std::move(e));
               if (changes_snapshot(write.sent)) channel->publish(id_of(pool), "work_pool_updated");
             }
             if (write.action == "deleted") {
               events.push_back(work_pool_deleted_event(pool, now));
               channel->publish(id_of(pool), "work_pool_deleted");
             }
             if (!events.empty()) context->events.publish(std::move(events));
           }});
}

// ---- workers

core::Result<Response> heartbeat(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  auto name = r.string("name", true);
  auto interval = r.integer("heartbeat_interval_seconds");
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto made = ctx.db.write<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    store::StatusChanges changed;
    if (store::work_pools::record_heartbeat(c, pool->id, *name, interval, now)) changed.work_pools.push_back(pool->id);
    return runs::readiness_events(c, changed, now);
  });
  if (!made) return made.error();
  if (!made->empty()) ctx.events.publish(std::move(*made));
  return no_content();
}

core::Result<Response> filter_workers(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto page = read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    json::array a;
    for (const auto& w : store::work_pools::list_workers(c, pool->id, page->limit, page->offset)) {
      a.emplace_back(core::to_json(w));
    }
    return a;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> delete_worker(ApiContext& ctx, const std::string& pool_name, const std::string& name) {
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    if (!store::work_pools::remove_worker(c, pool->id, name)) return core::Error::not_found("Worker not found.");
    return core::Ok{};
  });
  if (!st) return st.error();
  return no_content();
}

// ---- polling

core::Result<Response> get_scheduled_flow_runs(ApiContext& ctx, const Request& req, const std::string& pool_name) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto queue_names = r.string_list("work_queue_names");
  auto before = r.timestamp("scheduled_before");
  auto after = r.timestamp("scheduled_after");
  if (!r.ok()) return r.error();
  auto page = read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto now = ctx.clock.now();
  struct Polled {
    std::vector<store::work_pools::ScheduledRun> runs;
    std::vector<std::string> queue_ids;
  };
  auto polled = ctx.db.read<Polled>([&](Connection& c) -> core::Result<Polled> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    Polled p;
    std::optional<std::vector<std::string>> ids;
    if (queue_names && !queue_names->empty()) {
      ids.emplace();
      for (const auto& n : *queue_names) {
        auto q = store::work_pools::read_queue_by_name(c, pool->id, n);
        if (!q) return core::Error::not_found("Work pool queue '" + pool_name + "/" + n + "' not found.");
        ids->push_back(q->id);
      }
      p.queue_ids = *ids;
    } else {
      for (const auto& q : store::work_pools::list_queues(c, pool->id)) p.queue_ids.push_back(q.id);
    }
    p.runs = store::work_pools::scheduled_runs(c, *pool, ids, before, after, page->limit);
    return p;
  });
  if (!polled) return polled.error();
  // mark_work_queues_ready / mark_deployments_ready: the poll itself changes no run.
  auto marked = ctx.db.write<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
    return runs::readiness_events(c, store::work_pools::mark_queues_polled(c, polled->queue_ids, now), now);
  });
  if (!marked) return marked.error();
  if (!marked->empty()) ctx.events.publish(std::move(*marked));
  json::array out;
  for (const auto& s : polled->runs) {
    out.emplace_back(json::object{
        {"work_pool_id", s.work_pool_id}, {"work_queue_id", s.work_queue_id}, {"flow_run", core::to_json(s.run, now)}});
  }
  return json_response(200, out);
}

}  // namespace

void register_work_pool_routes(Router& router, ApiContext& ctx, const std::shared_ptr<WorkerChannelHub>& channel) {
  add_pool_routes(router, ctx, channel);
  router.add("POST", "/api/work_pools/{name}/get_scheduled_flow_runs", [&ctx](const Request& req, const PathParams& p) {
    return get_scheduled_flow_runs(ctx, req, p.at("name"));
  });
  router.add("POST", "/api/work_pools/{pool}/workers/heartbeat",
             [&ctx](const Request& req, const PathParams& p) { return heartbeat(ctx, req, p.at("pool")); });
  router.add("POST", "/api/work_pools/{pool}/workers/filter",
             [&ctx](const Request& req, const PathParams& p) { return filter_workers(ctx, req, p.at("pool")); });
  router.add("DELETE", "/api/work_pools/{pool}/workers/{name}",
             [&ctx](const Request&, const PathParams& p) { return delete_worker(ctx, p.at("pool"), p.at("name")); });
}

}  // namespace praetor::api
