// GET /api/metrics: Prometheus's text exposition of the process's registry, served only when
// PREFECT_SERVER_METRICS_ENABLED (or PREFECT_API_ENABLE_METRICS) is true, as Prefect adds the
// route only then (server/api/server.py); otherwise the path is an ordinary 404.
#include "api/metrics_routes.h"

#include <spdlog/spdlog.h>

#include "core/state.h"
#include "metrics/process_metrics.h"
#include "metrics/text_format.h"
#include "store/run_counts.h"

namespace praetor::api {

namespace {

constexpr core::StateType kStateTypes[] = {
    core::StateType::kScheduled, core::StateType::kPending,   core::StateType::kRunning,
    core::StateType::kCompleted, core::StateType::kFailed,    core::StateType::kCancelled,
    core::StateType::kCrashed,   core::StateType::kPaused,    core::StateType::kCancelling};

void set_counts(metrics::Family<metrics::Gauge>& family, const std::map<std::string, int64_t>& counts) {
  for (auto type : kStateTypes) {
    std::string name(core::to_string(type));
    auto it = counts.find(name);
    family.labels({name}).set(it == counts.end() ? 0 : static_cast<double>(it->second));
  }
}

}  // namespace

RunStateGauges::RunStateGauges(store::Database& db, const core::Clock& clock, metrics::Registry& registry)
    : db_(db),
      clock_(clock),
      flow_runs_(registry.gauge("praetor_flow_runs", "Flow runs by state type (counted at most every 10 s).",
                                {"state_type"})),
      task_runs_(registry.gauge("praetor_task_runs", "Task runs by state type (counted at most every 10 s).",
                                {"state_type"})),
      hook_(registry.on_scrape([this] { refresh(); })) {}

void RunStateGauges::refresh() {
  std::lock_guard lock(mu_);
  auto now = clock_.now();
  if (counted_ && now - *counted_ < kFreshness) return;
  auto counts = db_.read<store::RunCounts>([](store::Connection& c) -> core::Result<store::RunCounts> {
    return store::count_runs_by_state_type(c);
  });
  if (!counts) {
    // Before the database is ready (503s) the gauges keep their last values.
    spdlog::debug("runs by state not counted: {}", counts.error().message);
    return;
  }
  set_counts(flow_runs_, counts->flow_runs);
  set_counts(task_runs_, counts->task_runs);
  counted_ = now;
}

void register_metrics_routes(Router& router, ApiContext& context) {
  if (!context.settings.metrics_enabled) return;
  auto gauges = std::make_shared<RunStateGauges>(context.db, context.clock);
  auto process = std::make_shared<metrics::ScrapeHook>(metrics::collect_process_metrics());
  metrics::default_registry()
      .gauge("praetor_build_info", "Always 1: the Praetor version and the Prefect server version it reports.",
             {"version", "prefect_version"})
      .labels({PRAETOR_VERSION, context.settings.prefect_version})
      .set(1);
  router.add("GET", "/api/metrics", [gauges, process](const Request&, const PathParams&) -> core::Result<Response> {
    Response response;
    response.content_type = std::string(metrics::kTextContentType);
    response.body = metrics::default_registry().render();  // runs gauges' refresh through its hook
    return response;
  });
}

}  // namespace praetor::api
