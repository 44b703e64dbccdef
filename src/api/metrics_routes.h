// Prometheus metrics at GET /api/metrics (docs/metrics.md), and the runs-by-state gauges
// it refreshes at scrape time.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "api/context.h"
#include "api/router.h"
#include "metrics/registry.h"

namespace praetor::api {

// praetor_flow_runs / praetor_task_runs by state type, counted at scrape time at most once
// per kFreshness (one GROUP BY over each state_type index), so frequent scrapes of a
// database of millions of runs cost one count per interval. Thread-safe.
class RunStateGauges {
 public:
  static constexpr std::chrono::seconds kFreshness{10};
  RunStateGauges(store::Database& db, const core::Clock& clock,
                 metrics::Registry& registry = metrics::default_registry());
  // Counts again when the last count is older than kFreshness (the registry's scrape hook
  // calls it); keeps the last values when the database cannot be read.
  void refresh();

 private:
  store::Database& db_;
  const core::Clock& clock_;
  metrics::Family<metrics::Gauge>& flow_runs_;
  metrics::Family<metrics::Gauge>& task_runs_;
  std::mutex mu_;
  std::optional<core::Timestamp> counted_;
  metrics::ScrapeHook hook_;  // last: removed before the members it reads go
};

// GET /api/metrics when settings.metrics_enabled; nothing otherwise (the path is then a
// 404, as on Prefect's server with metrics off).
void register_metrics_routes(Router& router, ApiContext& context);

}  // namespace praetor::api
