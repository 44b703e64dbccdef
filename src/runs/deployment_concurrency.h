// The I/O around the flow-run policy's deployment-concurrency rules: reading the run's
// deployment limit and lease before the policy runs, and performing the slot and lease
// operations its decision lists afterwards, both in the caller's write transaction.
#pragma once

#include <optional>
#include <vector>

#include "core/flow_run.h"
#include "core/state.h"
#include "orchestration/flow_run_policy.h"
#include "store/connection.h"

namespace praetor::runs {

// True when a transition from `initial` towards `proposed` can touch the deployment's
// slots (into PENDING, or out of PENDING/RUNNING/CANCELLING); other transitions need no read.
bool concurrency_may_apply(const std::optional<core::State>& initial, const core::State& proposed);

// The deployment's concurrency options and limit row (locked until the write ends), and
// whether the current state's lease is live. Expired leases are reclaimed first, so their
// slots count as free.
orchestration::DeploymentConcurrency read_deployment_concurrency(store::Connection& c, const std::string& deployment_id,
                                                                 const std::optional<core::State>& initial,
                                                                 core::Timestamp now);

// Performs the decision's lease actions in order; `flow_run_id` is a kTake lease's holder.
void perform_lease_actions(store::Connection& c, const std::string& flow_run_id,
                           const std::vector<orchestration::LeaseAction>& actions, core::Timestamp now);

}  // namespace praetor::runs
