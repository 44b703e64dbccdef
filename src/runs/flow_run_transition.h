// The set_state path shared by POST /flow_runs/ (initial state, forced), /set_state and
// /resume: orchestrate a proposed state against the stored run and write the outcome,
// inside the caller's Database::write; the state-change event is returned for the caller
// to publish after the commit.
#pragma once

#include <optional>

#include "core/flow_run.h"
#include "core/state.h"
#include "events/event.h"
#include "orchestration/flow_run_policy.h"
#include "store/connection.h"

namespace praetor::runs {

struct TransitionOutcome {
  orchestration::FlowRunDecision decision;
  std::optional<events::Event> event;  // set when a state was written
};

// Request-level inputs of a transition.
struct TransitionContext {
  std::optional<std::string> client_version;      // the Prefect client's, from its User-Agent
  orchestration::ConcurrencySettings concurrency;  // server settings (Prefect's defaults)
  bool mark_late = false;  // MarkLateRunsPolicy (the late-runs service) instead of the core policy
};

// `run` is the stored run with its current state joined in. `proposed` has no id or
// timestamp yet: they are minted here (uuid7, `now`). For a deployment's run the
// deployment's concurrency limit is read before and its slots taken or freed after the
// policy, in the same transaction. Fails only when mirroring a subflow's state onto its
// parent task run fails.
core::Result<TransitionOutcome> apply_flow_run_transition(store::Connection& c, const core::FlowRun& run,
                                                          core::State proposed, bool force, core::Timestamp now,
                                                          const TransitionContext& context = {});

// OrchestrationResult JSON {state, status, details}.
boost::json::object orchestration_result_json(const orchestration::FlowRunDecision& decision);

}  // namespace praetor::runs
