// The rules that govern a proposed task-run state on POST /task_runs/{id}/set_state
// (Prefect's CoreTaskPolicy, MinimalTaskPolicy and GlobalTaskPolicy). Pure: the caller
// loads the run, its current state and its flow run, mints the proposed state's id and
// timestamp, supplies `now` and a random draw, and writes what the decision says in the
// same transaction. Default-engine tasks never come here (they are recorded from events).
//
// Rules, in priority order (each applies only while the proposed state type is still the
// one the client asked for; a rule that changes it stops the later ones):
//   PreventDuplicateTransitions (Praetor addition; Prefect applies it to flow runs only):
//     a proposed transition_id equal to the current state's → REJECT, current state kept.
//   HandleTaskTerminalStateTransitions, PreventRunningTasksFromStoppedFlows,
//   CopyScheduledTime, WaitForScheduledTime, RetryFailedTasks, RenameReruns,
//   UpdateFlowRunTrackerOnTasks.
// Not implemented: server-side caching (CacheRetrieval/CacheInsertion; Prefect 3 caches in
// the client) and v1 tag concurrency (SecureTaskConcurrencySlots).
// force=true skips the rules (MinimalTaskPolicy); the global bookkeeping always runs on a
// state that is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/state.h"
#include "core/task_run.h"
#include "core/timestamp.h"
#include "orchestration/set_state_status.h"

namespace praetor::orchestration {

// What the rules read of the task's flow run.
struct TaskFlowRunView {
  std::string id;
  std::optional<core::StateType> state_type;  // nullopt: the flow run has no state
  boost::json::object state_details;          // of its current state (pause_timeout, pause_reschedule)
  int64_t run_count = 0;
};

struct TaskTransition {
  core::TaskRun run;      // as stored; run.state is the current (initial) state
  core::State proposed;   // id and timestamp already minted
  bool force = false;
  // The task's flow run; nullopt when the task has none or it no longer exists.
  std::optional<TaskFlowRunView> flow_run;
  core::Timestamp now;
  double random_draw = 0.5;  // uniform in [0, 1): the retry-jitter draw
};

struct TaskDecision {
  SetStateStatus status = SetStateStatus::kAccept;
  // The state to write and make current; nullopt when nothing is written (WAIT, ABORT,
  // REJECT keeping the current state).
  std::optional<core::State> state_to_write;
  // The run with the bookkeeping to save alongside state_to_write (equal to the input
  // run when nothing is written).
  core::TaskRun run;
  std::optional<std::string> reason;
  int64_t delay_seconds = 0;  // WAIT only
  // Set when the transition cannot be completed (Prefect raises ObjectNotFoundError);
  // nothing may be written then.
  std::optional<core::Error> error;

  // The OrchestrationResult `details` object: {"type": "accept_details" | …, reason, delay_seconds}.
  boost::json::object details() const;
};

TaskDecision decide_task_transition(const TaskTransition& transition);

// Prefect's clamped_poisson_interval with the uniform draw supplied: a delay near `average`
// within [lower, average * (1 + clamping_factor)] whose mean stays about `average`.
double clamped_poisson_interval(double average, double clamping_factor, double draw);

}  // namespace praetor::orchestration
