// /api/deployments routes that act on many runs or deployments at once (Prefect's
// api/deployments.py): POST /deployments/bulk_delete, POST /deployments/{id}/schedule,
// POST /deployments/{id}/create_flow_run/bulk, and the deprecated
// GET /deployments/{id}/work_queue_check.
#include <cstdint>

#include "api/automation_events.h"
#include "api/deployment_support.h"
#include "api/list_request.h"
#include "api/routes.h"
#include "api/work_queue_view.h"
#include "core/json_util.h"
#include "core/work_queue.h"
#include "runs/scheduled_runs.h"
#include "runs/deployment_events.h"
#include "store/automation_repository.h"
#include "store/deployment_repository.h"
#include "store/model_table.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

constexpr const char* kNotFound = "Deployment not found";
constexpr int64_t kBulkDeleteLimit = 50;   // BULK_OPERATION_LIMIT
constexpr int64_t kBulkCreateLimit = 100;  // BULK_CREATE_LIMIT

// A body integer bounded as pydantic's ge/le, with its 422 entries.
std::optional<int64_t> bounded(core::FieldReader& r, std::string_view key, int64_t lo, int64_t hi) {
  auto v = r.integer(key);
  if (v && *v < lo) {
    r.add_error(key, "greater_than_equal", "Input should be greater than or equal to " + std::to_string(lo), *v);
    return std::nullopt;
  }
  if (v && *v > hi) {
    r.add_error(key, "less_than_equal", "Input should be less than or equal to " + std::to_string(hi), *v);
    return std::nullopt;
  }
  return v;
}

// Deletes up to `limit` deployments matching the DeploymentFilter, each with its
// not-yet-run scheduled runs (auto- and user-created), as delete_deployments does.
core::Result<Response> bulk_delete(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto limit = bounded(r, "limit", 1, kBulkDeleteLimit);
  if (!r.ok()) return r.error();
  auto where = compile_filter_body(*body, FilterRoot::kDeployment);
  if (!where) return where.error();
  auto order = compile_sort(nullptr, FilterRoot::kDeployment);
  if (!order) return order.error();
  std::vector<json::object> owned;
  std::vector<events::Event> deleted_events;
  auto deleted = ctx.db.write<json::array>([&](Connection& c) -> core::Result<json::array> {
    json::array ids;
    owned.clear();  // a retried transaction starts over
    deleted_events.clear();
    for (const auto& d : store::deployments::list(c, *where, *order, limit.value_or(kBulkDeleteLimit), 0)) {
      deleted_events.push_back(runs::deployment_event(c, "prefect.deployment.deleted", d, ctx.clock.now()));
      store::deployments::delete_scheduled_runs(c, d.id, false, std::nullopt);
      for (auto& a : store::automations::remove_owned_by(c, "prefect.deployment." + d.id, ctx.clock.now())) {
        owned.push_back(std::move(a));
      }
      if (store::deployments::remove(c, d.id)) ids.emplace_back(d.id);
    }
    return ids;
  });
  if (!deleted) return deleted.error();
  if (!deleted_events.empty()) ctx.events.publish(std::move(deleted_events));
  for (const auto& automation : owned) publish_automation_event(ctx, "deleted", automation);
  return json_response(200, json::object{{"deleted", std::move(*deleted)}});
}

// schedule_runs: runs for every active schedule from start_time (default now) up to
// end_time (default start + max_scheduled_time), bounded by min/max runs and min_time
// (float seconds), the scheduler's settings filling what is absent. An unknown deployment
// schedules nothing and is not an error, as upstream.
core::Result<Response> schedule(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto start = r.timestamp("start_time");
  auto end = r.timestamp("end_time");
  auto min_time = r.number("min_time");
  auto min_runs = r.integer("min_runs");
  auto max_runs = r.integer("max_runs");
  if (!r.ok()) return r.error();
  const auto& s = ctx.settings.services;
  auto now = ctx.clock.now();
  runs::ScheduleWindow w;
  w.start = start.value_or(now);
  w.end = end.value_or(w.start + std::chrono::microseconds(
                                     static_cast<int64_t>(s.scheduler_max_scheduled_time_seconds * 1e6)));
  w.min_time = std::chrono::microseconds(
      static_cast<int64_t>(min_time.value_or(s.scheduler_min_scheduled_time_seconds) * 1e6));
  w.min_runs = min_runs.value_or(s.scheduler_min_runs);
  w.max_runs = max_runs.value_or(s.scheduler_max_runs);
  std::vector<events::Event> published;
  auto done = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto d = store::deployments::read(c, id);
    if (!d) return core::Ok{};
    for (const auto& sched : d->schedules) {
      if (!sched.active) continue;
      auto made = runs::insert_scheduled_runs(c, *d, sched, w, now, published);
      if (!made && made.error().kind != core::ErrorKind::kInvalid) return made.error();
    }
    return core::Ok{};
  });
  if (!done) return done.error();
  if (!published.empty()) ctx.events.publish(std::move(published));
  return json_response(200, nullptr);
}

// Up to 100 DeploymentFlowRunCreate bodies in one transaction; a run that cannot be made
// is reported FAILED with its reason instead of failing the others.
core::Result<Response> bulk_create_flow_runs(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  if (!body->is_array()) {
    return core::validation_error(json::array{"body"}, "list_type", "Input should be a valid list", *body);
  }
  const json::array& items = body->as_array();
  auto now = ctx.clock.now();
  std::vector<core::FlowRunCreate> parsed;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto one = parse_deployment_flow_run_create(items[i], json::array{"body", static_cast<int64_t>(i)}, now);
    if (!one) return one.error();
    parsed.push_back(std::move(*one));
  }
  if (static_cast<int64_t>(items.size()) > kBulkCreateLimit) {
    return core::Error::bad_request("Cannot create more than " + std::to_string(kBulkCreateLimit) +
                                    " flow runs at once.");
  }
  std::vector<events::Event> published;
  auto results = ctx.db.write<json::array>([&](Connection& c) -> core::Result<json::array> {
    auto d = store::deployments::read(c, id);
    if (!d) return core::Error::not_found(kNotFound);
    json::array out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json::object& item = items[i].as_object();
      auto queue = item.find("work_queue_name");
      if (queue != item.end() && queue->value().is_string() && !queue->value().get_string().empty() &&
          !d->work_pool_name) {
        out.emplace_back(json::object{{"flow_run_id", nullptr},
                                      {"status", "FAILED"},
                                      {"error", "Cannot create flow run in work queue " +
                                                    std::string(queue->value().get_string()) +
                                                    " because deployment is not associated with a work pool."}});
        continue;
      }
      auto created = create_run_from_deployment(c, *d, parsed[i], item, now);
      if (!created) {
        out.emplace_back(
            json::object{{"flow_run_id", nullptr}, {"status", "FAILED"}, {"error", created.error().message}});
        continue;
      }
      if (created->event) published.push_back(std::move(*created->event));
      out.emplace_back(json::object{{"flow_run_id", created->run.id}, {"status", "CREATED"}, {"error", nullptr}});
    }
    return out;
  });
  if (!results) return results.error();
  if (!published.empty()) ctx.events.publish(std::move(published));
  return json_response(200, json::object{{"results", std::move(*results)}});
}

// check_work_queues_for_deployment keeps queues whose legacy tag filter the deployment
// satisfies. Praetor keeps no queue filters, and upstream on SQLite counts a queue without
// a filter as matching (its JSON "contains" emulation finds every element of an empty
// set), so every queue is listed, as WorkQueue (no pool name, status or slots).
core::Result<Response> work_queue_check(ApiContext& ctx, const std::string& id) {
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    if (!store::deployments::read(c, id)) return core::Error::not_found(kNotFound);
    json::array a;
    auto queues = work_queue_bodies(c, store::model_rows::list(c, core::work_queue_model(), store::SqlCondition{},
                                                               "ORDER BY work_queue.name", INT64_MAX, 0));
    for (auto& q : queues) {
      json::object& o = q.as_object();
      o.erase("work_pool_name");
      o.erase("status");
      o.erase("active_slots");
      a.emplace_back(std::move(o));
    }
    return a;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace

void register_deployment_operation_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/deployments/bulk_delete",
             [&ctx](const Request& req, const PathParams&) { return bulk_delete(ctx, req); });
  router.add("POST", "/api/deployments/{id:uuid}/schedule",
             [&ctx](const Request& req, const PathParams& p) { return schedule(ctx, req, p.at("id")); });
  router.add("POST", "/api/deployments/{id:uuid}/create_flow_run/bulk",
             [&ctx](const Request& req, const PathParams& p) { return bulk_create_flow_runs(ctx, req, p.at("id")); });
  router.add("GET", "/api/deployments/{id:uuid}/work_queue_check",
             [&ctx](const Request&, const PathParams& p) { return work_queue_check(ctx, p.at("id")); });
}

}  // namespace praetor::api
