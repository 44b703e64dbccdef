// POST /api/flow_runs/history, /api/task_runs/history (Prefect's api/run_history.py): runs by
// expected start time in consecutive intervals, counted per state; POST /api/flow_runs/lateness:
// the average lateness of the matching flow runs.
#include <cmath>

#include "api/list_request.h"
#include "api/routes.h"
#include "api/task_run_rollup_filter.h"
#include "core/json_util.h"
#include "store/run_history.h"
#include "store/task_run_rollup.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace history = store::history;

namespace {

// Prefect caps a history at 500 intervals.
constexpr int64_t kMaxIntervals = 500;

struct HistoryRequest {
  core::Timestamp start;
  core::Timestamp end;
  int64_t interval_micros = 0;
  store::SqlCondition where;
  json::object filters;  // the body's filter keys, as compiled into `where`
};

// The body's filters are those of Prefect's route: flow runs take `work_pools` and
// `work_queues` (the filter machinery's `work_pool_queues`); task runs take neither.
core::Result<HistoryRequest> read_history_request(const Request& req, history::RunTable table) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto start = r.timestamp("history_start", true);
  auto end = r.timestamp("history_end", true);
  auto interval = r.number("history_interval_seconds", true);
  if (!r.ok()) return r.error();
  if (!std::isfinite(*interval) || *interval < 1.0) {
    return core::Error::invalid("History interval must not be less than 1 second.");
  }
  json::object filters = std::move(*body);
  filters.erase("work_pool_queues");
  if (table == history::RunTable::kFlowRun) {
    if (auto it = filters.find("work_queues"); it != filters.end()) {
      json::value queues = it->value();
      filters.erase(it);
      filters["work_pool_queues"] = std::move(queues);
    }
  } else {
    filters.erase("work_pools");
    filters.erase("work_queues");
  }
  auto where = compile_filter_body(
      filters, table == history::RunTable::kFlowRun ? FilterRoot::kFlowRun : FilterRoot::kTaskRun);
  if (!where) return where.error();
  // timedelta(seconds=x) keeps microseconds, rounded half to even.
  auto micros = static_cast<int64_t>(std::nearbyint(*interval * 1e6));
  return HistoryRequest{*start, *end, micros, std::move(*where), std::move(filters)};
}

core::Result<Response> run_history(ApiContext& ctx, const Request& req, history::RunTable table) {
  auto request = read_history_request(req, table);
  if (!request) return request.error();
  // ceil(elapsed / interval), at most 500; nothing when the range is empty.
  const int64_t elapsed = (request->end - request->start).count();
  const int64_t intervals =
      elapsed > 0 ? std::min((elapsed + request->interval_micros - 1) / request->interval_micros, kMaxIntervals) : 0;
  auto now = ctx.clock.now();
  auto counts = ctx.db.read<std::vector<history::StateCount>>(
      [&](Connection& c) -> core::Result<std::vector<history::StateCount>> {
        if (intervals == 0) return std::vector<history::StateCount>{};
        if (table == history::RunTable::kTaskRun) {
          if (auto filter = rollup_filter(request->filters)) {
            if (auto counts = store::task_run_rollup::history(c, *filter, request->start, request->interval_micros,
                                                              intervals, now)) {
              return std::move(*counts);
            }
          }
        }
        return history::run_history(c, table, request->where, request->start, request->interval_micros, intervals,
                                    now);
      });
  if (!counts) return counts.error();
  std::vector<json::array> states(static_cast<size_t>(intervals));
  for (const auto& s : *counts) {
    if (s.bucket < 0 || s.bucket >= intervals) continue;
    states[static_cast<size_t>(s.bucket)].emplace_back(json::object{{"state_type", s.state_type},
                                                                    {"state_name", s.state_name},
                                                                    {"count_runs", s.count},
                                                                    {"sum_estimated_run_time", s.sum_estimated_run_time},
                                                                    {"sum_estimated_lateness", s.sum_estimated_lateness}});
  }
  json::array out;
  const std::chrono::microseconds width(request->interval_micros);
  for (int64_t i = 0; i < intervals; ++i) {
    out.emplace_back(json::object{{"interval_start", core::format_timestamp(request->start + i * width)},
                                  {"interval_end", core::format_timestamp(request->start + (i + 1) * width)},
                                  {"states", std::move(states[static_cast<size_t>(i)])}});
  }
  return json_response(200, out);
}

core::Result<Response> average_lateness(ApiContext& ctx, const Request& req) {
  auto where = parse_count_request(req, FilterRoot::kFlowRun);
  if (!where) return where.error();
  auto now = ctx.clock.now();
  auto average = ctx.db.read<std::optional<double>>([&](Connection& c) -> core::Result<std::optional<double>> {
    return history::average_flow_run_lateness(c, *where, now);
  });
  if (!average) return average.error();
  return json_response(200, *average ? json::value(**average) : json::value(nullptr));
}

}  // namespace

void register_run_history_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/flow_runs/history", [&ctx](const Request& req, const PathParams&) {
    return run_history(ctx, req, history::RunTable::kFlowRun);
  });
  router.add("POST", "/api/task_runs/history", [&ctx](const Request& req, const PathParams&) {
    return run_history(ctx, req, history::RunTable::kTaskRun);
  });
  router.add("POST", "/api/flow_runs/lateness",
             [&ctx](const Request& req, const PathParams&) { return average_lateness(ctx, req); });
}

}  // namespace praetor::api
