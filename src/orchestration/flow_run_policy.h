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
// after-hooks run in reverse order once the state is validated.
//
// `mark_late` selects MarkLateRunsPolicy instead (the late-runs service's proposals):
// EnsureOnlyScheduledFlowsMarkedLate and EnforceDeploymentConcurrencyOnLate only.
//
// Deployment concurrency (SecureFlowConcurrencySlots, ValidateDeploymentConcurrencyAtRunning,
// RemoveDeploymentConcurrencyLeaseForOldClientVersions, ReleaseFlowConcurrencySlots,
// PreserveDeploymentConcurrencyLeaseId, EnforceDeploymentConcurrencyOnLate): the caller reads the deployment's limit and the
// current lease into `deployment_concurrency`; the decision lists the slot and lease
// operations (`lease_actions`) for the caller to perform in the same transaction.
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

enum class CollisionStrategy { kEnqueue, kCancelNew };

// What the caller read about the run's deployment (consulted only when run.deployment_id is
// set): its concurrency options, its concurrency_limit_v2 row, the current lease.
struct DeploymentConcurrency {
  bool deployment_found = true;
  struct Limit {
    std::string id;
    int64_t limit = 0;
    int64_t active_slots = 0;  // after decay, with expired leases already reclaimed
    bool active = true;
  };
  std::optional<Limit> limit;  // the deployment's limit row, when it has one
  bool options_set = false;    // concurrency_options is not null
  CollisionStrategy collision_strategy = CollisionStrategy::kEnqueue;
  std::optional<double> grace_period_seconds;
  // The current state's deployment_concurrency_lease_id names an unexpired lease.
  bool current_lease_live = false;
};

// Server settings the deployment-concurrency rules use (Prefect's defaults).
struct ConcurrencySettings {
  double slot_wait_seconds = 30;      // server.deployments.concurrency_slot_wait_seconds
  double initial_lease_seconds = 300; // server.concurrency.initial_deployment_lease_duration
};

// A slot or lease operation decided by the policy, performed by the caller in order.
struct LeaseAction {
  enum class Kind {
    kTake,      // one slot on limit_id plus a new lease lease_id of lease_seconds
    kRenew,     // lease lease_id expires lease_seconds from now
    kRelease,   // free lease lease_id's slots and delete it; when missing, free one slot on limit_id (if set)
    kRevoke,    // delete lease lease_id, slots kept
    kFreeSlot,  // one slot off limit_id
  };
  Kind kind = Kind::kTake;
  std::string lease_id;
  std::string limit_id;
  double lease_seconds = 0;
  bool flow_run_holder = false;  // kTake: the lease's holder is {"type":"flow_run","id":run id}
  bool operator==(const LeaseAction&) const = default;
};

struct FlowRunTransition {
  core::Timestamp now;
  core::FlowRun run;                    // the stored run (bookkeeping columns, policy, ids)
  std::optional<core::State> initial;   // the run's current state, if any
  core::State proposed;                 // id and timestamp minted by the caller
  bool force = false;                   // MinimalFlowPolicy instead of CoreFlowPolicy
  bool mark_late = false;               // MarkLateRunsPolicy instead of CoreFlowPolicy (wins over force)
  // Timestamps of this run's stored states at or after proposed.timestamp
  // (EnsureFlowRunStateTimestampIsUnique moves a colliding timestamp forward).
  std::vector<core::Timestamp> taken_timestamps;
  // The client's version from its User-Agent; nullopt when not a Prefect client (treated as
  // older than any release, as upstream does).
  std::optional<std::string> client_version;
  DeploymentConcurrency deployment_concurrency;
  ConcurrencySettings concurrency_settings;
  std::string new_lease_id;  // minted by the caller; used when the decision takes a slot
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
  std::vector<LeaseAction> lease_actions;
};

FlowRunDecision orchestrate_flow_run(const FlowRunTransition& transition);

// The OrchestrationResult "details" object for a decision ({"type":"accept_details"}, …).
boost::json::object details_to_json(const FlowRunDecision& decision);

}  // namespace praetor::orchestration
