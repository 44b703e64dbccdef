// Helpers shared by the deployment, work-pool and flow-run routes: resolving a work pool
// and queue name to a queue (Prefect's WorkerLookups), inside the caller's write.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "core/timestamp.h"
#include "core/work_pool.h"
#include "store/sqlite_connection.h"

namespace praetor::api {

// The queue `queue_name` of pool `pool_name` (created when missing and `create` is set),
// or the pool's default queue when `queue_name` is unset. 404s name the pool or queue as
// upstream does.
core::Result<core::WorkQueue> resolve_work_queue(store::Connection& c, const std::string& pool_name,
                                                 const std::optional<std::string>& queue_name, bool create,
                                                 core::Timestamp now);

// ensure_work_queue_exists: a queue of this name in the "default-agent-pool" (created,
// of type prefect-agent, when missing).
core::WorkQueue ensure_default_agent_queue(store::Connection& c, const std::string& queue_name, core::Timestamp now);

}  // namespace praetor::api
