// Helpers shared by the deployment, work-pool and flow-run routes: resolving a work pool
// and queue name to a queue (Prefect's WorkerLookups), inside the caller's write.
#pragma once

#include <optional>
#include <string>

#include "core/deployment.h"
#include "core/flow_run.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "core/work_pool.h"
#include "runs/flow_run_creation.h"
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

// A DeploymentFlowRunCreate body (a JSON object) parsed as a FlowRunCreate whose flow is
// filled in later; 422 details are located under `loc` (["body"], or ["body", i] for one
// item of a bulk request).
core::Result<core::FlowRunCreate> parse_deployment_flow_run_create(const boost::json::value& body,
                                                                   const boost::json::array& loc, core::Timestamp now);

// create_flow_run_from_deployment inside the caller's write: the deployment's parameters
// under the body's, its tags joined with the body's, its queue (or `work_queue_name` of its
// pool, created when missing; 400 when the deployment has no pool), system labels, and the
// body's state or Scheduled now.
core::Result<runs::CreatedFlowRun> create_run_from_deployment(store::Connection& c, const core::Deployment& d,
                                                              const core::FlowRunCreate& parsed,
                                                              const boost::json::object& body, core::Timestamp now);

}  // namespace praetor::api
