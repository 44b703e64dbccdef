// Creating task runs and setting their states: loads what the pure task policy needs, runs
// it, and writes its decision, all on the caller's write Connection (one transaction).
// Shared by the task-run routes and by the flow-run transition, which mirrors a subflow's
// state onto its parent task run (Prefect's UpdateSubflowParentTask calls set_task_run_state with force).
#pragma once

#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/state.h"
#include "core/task_run.h"
#include "orchestration/set_state_status.h"
#include "store/connection.h"

namespace praetor::runs {

struct TaskRunSetStateResult {
  orchestration::SetStateStatus status;
  std::optional<core::State> state;  // the written state, else the run's current state
  boost::json::object details;       // OrchestrationResult details
  bool written = false;              // true when a new state was written (201)
};

// Orchestrates `proposed` (StateCreate; id and timestamp are minted here) for the task run.
// kObjectNotFound when the run does not exist.
core::Result<TaskRunSetStateResult> set_task_run_state(store::Connection& c, const std::string& task_run_id,
                                                       core::State proposed, bool force, core::Timestamp now);

// The OrchestrationResult body.
boost::json::object to_json(const TaskRunSetStateResult& r);

struct TaskRunCreateResult {
  core::TaskRun run;
  bool created;
};

// POST /task_runs/: get-or-create on the natural key; a new run gets its flow run's labels
// plus "prefect.flow-run.id" under the client's labels, and its initial state (Pending when
// none is given) set with force, as Prefect does.
core::Result<TaskRunCreateResult> create_task_run(store::Connection& c, core::TaskRunCreate request,
                                                  core::Timestamp now);

}  // namespace praetor::runs
