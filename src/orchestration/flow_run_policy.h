// The flow-run orchestration policy: given a run snapshot, its current state and a
// proposed state, decide what happens (Prefect's CoreFlowPolicy, or MinimalFlowPolicy when
// forced, followed by GlobalFlowPolicy: server/orchestration/core_policy.py,
// global_policy.py). Pure: no I/O, no clock, no randomness. The caller reads the snapshot,
// mints the proposed state's id and timestamp (= now), writes the decision in one
// transaction, then publishes the state-change event.
//
// Mechanics mirror rules.py: rules are selected by the intended (from, to) state types; a
// rule whose transition was changed by an earlier rule does not fire; a rule that fired
// and then saw the transition changed under it "fizzles" and reverts its side effects;
// after-hooks run in reverse order once the state is validated. Deployment-concurrency
// rules are out of scope (no deployments yet).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/flow_run.h"
#include "core/state.h"
#include "core/timestamp.h"
#include "orchestration/set_state_status.h"

namespace praetor::orchestration {

struct FlowRunTransition {
  core::Timestamp now;
  core::FlowRun run;                    // the stored run (bookkeeping columns, policy, ids)
  std::optional<core::State> initial;   // the run's current state, if any
  core::State proposed;                 // id and timestamp minted by the caller
  bool force = false;                   // MinimalFlowPolicy instead of CoreFlowPolicy
  // Timestamps of this run's stored states at or after proposed.timestamp
  // (EnsureFlowRunStateTimestampIsUnique moves a colliding timestamp forward).
  std::vector<core::Timestamp> taken_timestamps;
};

struct FlowRunDecision {
  SetStateStatus status = SetStateStatus::kAccept;
  // The state to insert as the run's new current state; nullopt when nothing is written.
  std::optional<core::State> written;
  // The state the OrchestrationResult carries: `written`, else the run's current state.
  std::optional<core::State> response_state;
  std::optional<std::string> reason;  // reject/abort/wait reason
  int64_t delay_seconds = 0;          // WAIT only
  core::FlowRun run;                  // the run with every bookkeeping update applied
  bool run_changed = false;           // a state was written or the run's policy changed
  // UpdateSubflowParentTask: the state to mirror onto run.parent_task_run_id (a copy of
  // `written` with child_flow_run_id set, timestamp `now`); its id is left empty for the
  // caller to mint.
  std::optional<core::State> parent_task_run_state;
};

FlowRunDecision orchestrate_flow_run(const FlowRunTransition& transition);

// The OrchestrationResult "details" object for a decision ({"type":"accept_details"}, …).
boost::json::object details_to_json(const FlowRunDecision& decision);

}  // namespace praetor::orchestration
