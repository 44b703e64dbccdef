// The standard process_* series of Prometheus client libraries (CPU time, resident memory,
// open and maximum descriptors, start time), read from /proc/self at scrape time.
#pragma once

#include "metrics/registry.h"

namespace praetor::metrics {

// Registers the series and a scrape hook that sets them; keep the hook while serving.
[[nodiscard]] ScrapeHook collect_process_metrics(Registry& registry = default_registry());

}  // namespace praetor::metrics
