// /api/work_pools routes (Prefect's api/workers.py): work pools, workers' heartbeats, and
// the worker's poll POST /work_pools/{name}/get_scheduled_flow_runs. The pool-scoped queue
// routes are with the other work-queue routes (work_queues.cpp).
// A change to a pool's base job template, concurrency limit, pause or storage
// configuration, and its deletion, reach the workers connected over the worker channel
// (worker_channel_hub.h) as snapshots, as Prefect's update_work_pool/delete_work_pool
// publish them.
#include "api/list_request.h"
#include "api/names.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/deployment_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

core::Error pool_not_found(const std::string& name) { return core::Error::not_found("Work pool \"" + name + "\" not found."); }

bool reserved_name(const std::string& name) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return lower.rfind("prefect", 0) == 0;
}

Response forbidden(const std::string& detail) { return json_response(403, json::object{{"detail", detail}}); }

// NonNegativeInteger: a 422 for negatives.
std::optional<int64_t> non_negative(core::FieldReader& r, std::string_view key) {
  auto v = r.integer(key);
  if (v && *v < 0) {
    r.add_error(key, "greater_than_equal", "Input should be greater than or equal to 0", *v);
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> pool_slots(Connection& c, const core::WorkPool& p) {
  if (!p.concurrency_limit) return std::nullopt;
  return store::work_pools::active_runs(c, p.id);
}

core::Result<core::WorkPool> pool_by_name(Connection& c, const std::string& name) {
  auto pool = store::work_pools::read_by_name(c, name);
  if (!pool) return pool_not_found(name);
  return std::move(*pool);
}

// ---- pools

core::Result<Response> create_pool(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  core::WorkPool p;
  p.name = r.string("name", true).value_or("");
  p.description = r.string("description");
  p.type = r.string("type").value_or("prefect-agent");
  if (const json::object* t = r.object("base_job_template")) p.base_job_template = *t;
  p.is_paused = r.boolean("is_paused").value_or(false);
  p.concurrency_limit = non_negative(r, "concurrency_limit");
  if (const json::object* s = r.object("storage_configuration")) p.storage_configuration = *s;
  if (!r.ok()) return r.error();
  // NonEmptyishName: the emptiness check runs before the pattern.
  if (is_emptyish(p.name)) {
    return core::invalid_request(json::array{json::object{{"type", "value_error"},
                                                          {"loc", json::array{"body", "name"}},
                                                          {"msg", "Value error, name cannot be an empty string"},
                                                          {"input", p.name},
                                                          {"ctx", json::object{{"error", json::object{}}}}}});
  }
  if (!is_prefect_name(p.name)) return core::invalid_request(json::array{name_pattern_error("name", p.name)});
  if (reserved_name(p.name)) return forbidden("Work pools starting with 'Prefect' are reserved for internal use.");
  p.id = core::new_uuid4();
  p.created = p.updated = ctx.clock.now();
  std::string queue_id = core::new_uuid4();
  struct Out {
    core::WorkPool pool;
    std::optional<int64_t> slots;
  };
  auto out = ctx.db.write<Out>([&](Connection& c) -> core::Result<Out> {
    auto created = store::work_pools::create(c, p, queue_id);
    if (!created) return core::Error::conflict("A work pool with this name already exists.");
    return Out{*created, created->concurrency_limit ? std::optional<int64_t>(0) : std::nullopt};
  });
  if (!out) return out.error();
  return json_response(201, core::to_json(out->pool, out->slots));
}

core::Result<Response> read_pool(ApiContext& ctx, const std::string& name) {
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto pool = pool_by_name(c, name);
    if (!pool) return pool.error();
    return core::to_json(*pool, pool_slots(c, *pool));
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// WORK_POOL_FIELDS_THAT_TRIGGER_SNAPSHOTS (server/utilities/worker_channel.py).
bool changes_snapshot(const core::FieldReader& r) {
  return r.present("base_job_template") || r.present("concurrency_limit") || r.present("is_paused") ||
         r.present("storage_configuration");
}

core::Result<Response> update_pool(ApiContext& ctx, WorkerChannelHub& channel, const Request& req,
                                   const std::string& name) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  store::work_pools::PoolUpdate u;
  if (r.present("description")) u.description = r.string("description").value_or("");
  u.is_paused = r.boolean("is_paused");
  if (const json::object* t = r.object("base_job_template")) u.base_job_template = *t;
  u.concurrency_limit_set = r.present("concurrency_limit");
  u.concurrency_limit = non_negative(r, "concurrency_limit");
  if (const json::object* s = r.object("storage_configuration")) u.storage_configuration = *s;
  if (!r.ok()) return r.error();
  if (r.present("description") && !r.has("description")) u.description.reset();
  if (reserved_name(name) && (u.base_job_template || u.description)) {
    return forbidden(
        "Work pools starting with 'Prefect' are reserved for internal use and can only be updated to set "
        "concurrency limits or pause.");
  }
  auto now = ctx.clock.now();
  bool snapshot = changes_snapshot(r);
  // The updated pool's id, or nullopt when there is no such pool.
  using PoolId = std::optional<std::string>;
  auto updated = ctx.db.write<PoolId>([&](Connection& c) -> core::Result<PoolId> {
    // An explicit null description clears it.
    if (r.present("description") && !r.has("description")) {
      c.prepare("UPDATE work_pool SET description = NULL WHERE name = ?1").bind(1, name).run();
    }
    if (!store::work_pools::update(c, name, u, now)) return std::optional<std::string>();
    auto pool = store::work_pools::read_by_name(c, name);
    if (!pool) return std::optional<std::string>();
    if (u.is_paused) {
      // Pausing marks the pool PAUSED; unpausing returns it to NOT_READY until a heartbeat.
      store::work_pools::set_status(c, pool->id, *u.is_paused ? "PAUSED" : "NOT_READY", now);
    }
    if (snapshot) channel.announce(c, pool->id, "work_pool_updated");
    return std::optional<std::string>(pool->id);
  });
  if (!updated) return updated.error();
  if (!*updated) return pool_not_found(name);
  if (snapshot) channel.publish(**updated, "work_pool_updated");
  return no_content();
}

core::Result<Response> delete_pool(ApiContext& ctx, WorkerChannelHub& channel, const std::string& name) {
  if (reserved_name(name)) {
    return forbidden("Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.");
  }
  using PoolId = std::optional<std::string>;
  auto deleted = ctx.db.write<PoolId>([&](Connection& c) -> core::Result<PoolId> {
    auto pool = store::work_pools::read_by_name(c, name);
    if (!pool || !store::work_pools::remove(c, name)) return std::optional<std::string>();
    channel.announce(c, pool->id, "work_pool_deleted");
    return std::optional<std::string>(pool->id);
  });
  if (!deleted) return deleted.error();
  if (!*deleted) return pool_not_found(name);
  // Its connected workers are closed with authorization_failed.
  channel.publish(**deleted, "work_pool_deleted");
  return no_content();
}

core::Result<Response> filter_pools(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, FilterRoot::kWorkPool, ctx.settings.default_limit);
  if (!list) return list.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    json::array a;
    for (const auto& p : store::work_pools::list(c, list->where, list->page.limit, list->page.offset)) {
      a.emplace_back(core::to_json(p, pool_slots(c, p)));
    }
    return a;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> count_pools(ApiContext& ctx, const Request& req) {
  auto where = parse_count_request(req, FilterRoot::kWorkPool);
  if (!where) return where.error();
  auto n = ctx.db.read<int64_t>([&](Connection& c) -> core::Result<int64_t> { return store::work_pools::count(c, *where); });
  if (!n) return n.error();
  return json_response(200, *n);
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
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto pool = pool_by_name(c, pool_name);
    if (!pool) return pool.error();
    store::work_pools::record_heartbeat(c, pool->id, *name, interval, now);
    return core::Ok{};
  });
  if (!st) return st.error();
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
  auto marked = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    store::work_pools::mark_queues_polled(c, polled->queue_ids, now);
    return core::Ok{};
  });
  if (!marked) return marked.error();
  json::array out;
  for (const auto& s : polled->runs) {
    out.emplace_back(json::object{
        {"work_pool_id", s.work_pool_id}, {"work_queue_id", s.work_queue_id}, {"flow_run", core::to_json(s.run, now)}});
  }
  return json_response(200, out);
}

}  // namespace

void register_work_pool_routes(Router& router, ApiContext& ctx, const std::shared_ptr<WorkerChannelHub>& channel) {
  router.add("POST", "/api/work_pools/", [&ctx](const Request& req, const PathParams&) { return create_pool(ctx, req); });
  router.add("POST", "/api/work_pools/filter",
             [&ctx](const Request& req, const PathParams&) { return filter_pools(ctx, req); });
  router.add("POST", "/api/work_pools/count",
             [&ctx](const Request& req, const PathParams&) { return count_pools(ctx, req); });
  router.add("GET", "/api/work_pools/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_pool(ctx, p.at("name")); });
  router.add("PATCH", "/api/work_pools/{name}",
             [&ctx, channel](const Request& req, const PathParams& p) {
               return update_pool(ctx, *channel, req, p.at("name"));
             });
  router.add("DELETE", "/api/work_pools/{name}",
             [&ctx, channel](const Request&, const PathParams& p) { return delete_pool(ctx, *channel, p.at("name")); });
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
