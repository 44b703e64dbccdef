// /api/ui/* routes (Prefect's api/ui/): the aggregate reads the Prefect dashboard makes on its
// first pages — the flow-run history chart, task-run counts per flow run, deployment counts
// and next runs per flow, and the dashboard's task-run buckets.
#include <chrono>

#include "api/list_request.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/state.h"
#include "store/ui_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

constexpr int64_t kHistoryMaxLimit = 1000;
constexpr size_t kMaxIds = 200;
constexpr int kDashboardBuckets = 20;

bool is_terminal(const std::string& state_type) {
  return state_type == "COMPLETED" || state_type == "FAILED" || state_type == "CANCELLED" || state_type == "CRASHED";
}

// SimpleFlowRun: timestamp is the start time, else the expected start time; duration adds the
// time since the last state change to a RUNNING run's total; lateness is start − expected, or
// for a run not started, not final and due, now − expected.
json::object simple_flow_run(const store::ui::HistoryRow& r, core::Timestamp now) {
  using std::chrono::microseconds;
  microseconds duration(static_cast<int64_t>(r.total_run_time * 1e6 + (r.total_run_time >= 0 ? 0.5 : -0.5)));
  if (r.state_type == "RUNNING" && r.state_timestamp) duration += now - *r.state_timestamp;
  microseconds lateness(0);
  if (r.start_time && r.expected_start_time && *r.start_time > *r.expected_start_time) {
    lateness = *r.start_time - *r.expected_start_time;
  } else if (!r.start_time && r.expected_start_time && *r.expected_start_time < now && !is_terminal(r.state_type)) {
    lateness = now - *r.expected_start_time;
  }
  auto when = r.start_time ? r.start_time : r.expected_start_time;
  return json::object{{"id", r.id},
                      {"state_type", r.state_type},
                      {"timestamp", core::timestamp_or_null(when)},
                      {"duration", core::to_seconds(duration)},
                      {"lateness", core::to_seconds(lateness)}};
}

core::Result<Response> flow_run_history(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  // limit: Body(1000, le=1000), a plain pydantic bound (not the API's LimitBody).
  if (auto it = body->find("limit"); it != body->end() && it->value().is_int64() &&
                                     it->value().get_int64() > kHistoryMaxLimit) {
    return core::validation_error(json::array{"body", "limit"}, "less_than_equal",
                                  "Input should be less than or equal to 1000", it->value());
  }
  auto page = read_pagination(*body, static_cast<int>(kHistoryMaxLimit));
  if (!page) return page.error();
  auto where = compile_filter_body(*body, FilterRoot::kFlowRun);
  if (!where) return where.error();
  json::value default_sort("EXPECTED_START_TIME_DESC");
  auto sort_it = body->find("sort");
  const json::value* sort = sort_it == body->end() || sort_it->value().is_null() ? &default_sort : &sort_it->value();
  auto order = compile_sort(sort, FilterRoot::kFlowRun);
  if (!order) return order.error();
  auto rows = ctx.db.read<std::vector<store::ui::HistoryRow>>(
      [&](Connection& c) -> core::Result<std::vector<store::ui::HistoryRow>> {
        return store::ui::flow_run_history(c, *where, *order, page->limit, page->offset);
      });
  if (!rows) return rows.error();
  auto now = ctx.clock.now();
  json::array out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.emplace_back(simple_flow_run(r, now));
  return json_response(200, out);
}

// A required list of at most 200 UUIDs under `key` (Body(..., embed=True, max_length=200)).
core::Result<std::vector<std::string>> read_id_list(const Request& req, std::string_view key) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value value(std::move(*body));
  core::FieldReader reader(value, json::array{"body"});
  auto ids = reader.uuid_list(key, true);
  if (ids && ids->size() > kMaxIds) {
    reader.add_error(key, "too_long",
                     "List should have at most 200 items after validation, not " + std::to_string(ids->size()),
                     value.as_object().at(key));
  }
  if (!reader.ok()) return reader.error();
  return std::move(*ids);
}

// {id: count} in the order of the request's ids, 0 for ids without rows.
json::object counts_json(const std::vector<std::string>& ids, const std::map<std::string, int64_t>& counts) {
  json::object out;
  for (const auto& id : ids) {
    auto it = counts.find(id);
    out[id] = it == counts.end() ? 0 : it->second;
  }
  return out;
}

core::Result<Response> count_task_runs(ApiContext& ctx, const Request& req) {
  auto ids = read_id_list(req, "flow_run_ids");
  if (!ids) return ids.error();
  auto counts = ctx.db.read<std::map<std::string, int64_t>>(
      [&](Connection& c) -> core::Result<std::map<std::string, int64_t>> {
        return store::ui::task_run_counts(c, *ids);
      });
  if (!counts) return counts.error();
  return json_response(200, counts_json(*ids, *counts));
}

core::Result<Response> count_deployments(ApiContext& ctx, const Request& req) {
  auto ids = read_id_list(req, "flow_ids");
  if (!ids) return ids.error();
  auto counts = ctx.db.read<std::map<std::string, int64_t>>(
      [&](Connection& c) -> core::Result<std::map<std::string, int64_t>> {
        return store::ui::deployment_counts(c, *ids);
      });
  if (!counts) return counts.error();
  return json_response(200, counts_json(*ids, *counts));
}

core::Result<Response> next_runs(ApiContext& ctx, const Request& req) {
  auto ids = read_id_list(req, "flow_ids");
  if (!ids) return ids.error();
  auto runs = ctx.db.read<std::map<std::string, store::ui::NextRun>>(
      [&](Connection& c) -> core::Result<std::map<std::string, store::ui::NextRun>> {
        return store::ui::next_runs(c, *ids);
      });
  if (!runs) return runs.error();
  json::object out;
  for (const auto& id : *ids) {
    auto it = runs->find(id);
    if (it == runs->end()) {
      out[id] = nullptr;
      continue;
    }
    const auto& r = it->second;
    out[id] = json::object{{"id", r.id},
                           {"flow_id", r.flow_id},
                           {"name", r.name},
                           {"state_name", r.state_name},
                           {"state_type", r.state_type},
                           {"next_scheduled_start_time", core::format_timestamp(r.next_scheduled_start_time)}};
  }
  return json_response(200, out);
}

// POST /ui/task_runs/dashboard/counts: 20 buckets of terminal task runs between
// task_runs.start_time.after_ (floored to the minute) and before_ (or now; to the end of
// its minute), each {completed, failed}. Any state filter in the body is replaced.
core::Result<Response> dashboard_task_run_counts(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto task_runs_it = body->find("task_runs");
  if (task_runs_it == body->end() || !task_runs_it->value().is_object()) {
    json::value input = task_runs_it == body->end() ? json::value(nullptr) : task_runs_it->value();
    if (task_runs_it == body->end()) {
      return core::validation_error(json::array{"body", "task_runs"}, "missing", "Field required", nullptr);
    }
    return core::validation_error(json::array{"body", "task_runs"}, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", input);
  }
  auto& task_runs = task_runs_it->value().get_object();
  std::optional<core::Timestamp> after, before;
  if (auto st = task_runs.find("start_time"); st != task_runs.end() && st->value().is_object()) {
    const auto& range = st->value().get_object();
    auto read_time = [&](const char* key) -> std::optional<core::Timestamp> {
      auto it = range.find(key);
      if (it == range.end() || !it->value().is_string()) return std::nullopt;
      return core::parse_timestamp(it->value().get_string());
    };
    after = read_time("after_");
    before = read_time("before_");
  }
  if (!after) return core::Error::invalid("task_runs.start_time.after_ is required");
  task_runs["state"] = json::object{
      {"type", json::object{{"any_", json::array{"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}}}}};
  auto where = compile_filter_body(*body, FilterRoot::kTaskRun);
  if (!where) return where.error();

  using std::chrono::floor;
  using std::chrono::microseconds;
  using std::chrono::minutes;
  core::Timestamp start = floor<minutes>(*after);
  core::Timestamp end = floor<minutes>(before ? *before : ctx.clock.now()) + minutes(1) - microseconds(1);
  int64_t window = (end - start).count();
  int64_t width = (window + kDashboardBuckets / 2) / kDashboardBuckets;  // timedelta / int rounds to the µs
  auto buckets = ctx.db.read<std::vector<store::ui::BucketCount>>(
      [&](Connection& c) -> core::Result<std::vector<store::ui::BucketCount>> {
        return store::ui::task_run_buckets(c, *where, start, width, kDashboardBuckets);
      });
  if (!buckets) return buckets.error();
  json::array out;
  for (const auto& b : *buckets) out.emplace_back(json::object{{"completed", b.completed}, {"failed", b.failed}});
  return json_response(200, out);
}

}  // namespace

void register_ui_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/ui/flow_runs/history",
             [&ctx](const Request& req, const PathParams&) { return flow_run_history(ctx, req); });
  router.add("POST", "/api/ui/flow_runs/count-task-runs",
             [&ctx](const Request& req, const PathParams&) { return count_task_runs(ctx, req); });
  router.add("POST", "/api/ui/flows/count-deployments",
             [&ctx](const Request& req, const PathParams&) { return count_deployments(ctx, req); });
  router.add("POST", "/api/ui/flows/next-runs",
             [&ctx](const Request& req, const PathParams&) { return next_runs(ctx, req); });
  router.add("POST", "/api/ui/task_runs/dashboard/counts",
             [&ctx](const Request& req, const PathParams&) { return dashboard_task_run_counts(ctx, req); });
}

}  // namespace praetor::api
