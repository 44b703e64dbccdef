// Task-run rows and their state history (tables task_run, task_run_state). Functions take
// the Connection of a Database::read/write call and throw DatabaseError on database failure
// (turned into Result errors by Database). Callers compose them inside one write so a state
// and the run's bookkeeping commit together.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/state.h"
#include "core/task_run.h"
#include "store/sql_conditions.h"
#include "store/connection.h"

namespace praetor::store::task_runs {

struct CreateResult {
  core::TaskRun run;
  bool created;  // false when a run with the same natural key already existed
};

// Get-or-create on (flow_run_id, task_key, dynamic_key), as Prefect's POST /task_runs/;
// runs without a flow run match on (task_key, dynamic_key) among flow-less runs. The
// proposed run's `state` is ignored (the caller orchestrates the initial state). A
// proposed id that another run already holds raises a constraint error (409).
CreateResult get_or_create(Connection& c, const core::TaskRun& proposed);

// A run as another server stored it (counts and times included) with its state history,
// oldest first, and the id of its current state there.
struct WithHistory {
  core::TaskRun run;
  std::vector<core::State> states;
  std::optional<std::string> state_id;
};
// Inserts `runs` as they are, with their histories, in multi-row statements
// (store/bulk_insert.h): how an import writes another server's runs. The row's current
// state is the state `state_id` names, else the newest. A run whose id or natural key
// (as get_or_create matches it) Praetor already holds, or an earlier run of `runs` took, is
// left out with its states; the ids inserted are returned. A state is recorded as created
// when its run was last updated.
std::set<std::string> insert_many(Connection& c, const std::vector<const WithHistory*>& runs);

// The run with its current state, or nullopt.
std::optional<core::TaskRun> read(Connection& c, const std::string& id);
// Locks the run's row until the write transaction ends (see flow_runs::lock_for_update).
void lock_for_update(Connection& c, const std::string& id);

// PATCH: sets the name when given and bumps `updated`; returns false when no such run.
// Task runs matching `where` (a condition over the unaliased task_run table), with their states.
std::vector<core::TaskRun> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                                int64_t offset);
int64_t count(Connection& c, const SqlCondition& where);
bool update(Connection& c, const std::string& id, const std::optional<std::string>& name, core::Timestamp now);
// Deletes the run and (by cascade) its states; returns false when no such run.
bool remove(Connection& c, const std::string& id);

// Writes `state` (its id, timestamp and details as given) and makes it the run's current
// state, saving the run's bookkeeping (run counts, times, total run time) from `run`.
void save_state(Connection& c, const core::TaskRun& run, const core::State& state, core::Timestamp now);

std::optional<core::State> read_state(Connection& c, const std::string& state_id);
// All states of a run, oldest first.
std::vector<core::State> list_states(Connection& c, const std::string& task_run_id);

// What the task-run rules need to know of a task's flow run.
struct FlowRunSummary {
  std::optional<core::StateType> state_type;  // nullopt: the flow run has no state
  boost::json::object state_details;          // of its current state
  int64_t run_count = 0;
  boost::json::object labels;
};
std::optional<FlowRunSummary> read_flow_run_summary(Connection& c, const std::string& flow_run_id);

// One client-orchestrated task-run state from a `prefect.task-run.*` event.
struct RecordedTaskRun {
  core::TaskRun run;                 // id from the resource, flow_run_id from the related flow-run
  std::vector<std::string> present;  // task_run payload fields the event carried (columns to write)
  core::State state;                 // id = event id, timestamp = event occurred
};

struct RecordOutcome {
  std::string task_run_id;  // the row the state belongs to (an existing row may own the natural key)
  bool run_written;         // false when the stored state is as new or newer
  bool state_inserted;      // false when the state id was already recorded
};

// The task-run recorder's upsert (Prefect's services/task_run_recorder.py): the row is
// matched on the natural key when the event names a flow run and such a row exists, else on
// id; it is inserted if absent, and updated only when its stored state_timestamp is older
// than the event's state timestamp, so out-of-order and duplicate events are harmless. The
// state row is inserted with id = event id, ignored when already present.
RecordOutcome record(Connection& c, const RecordedTaskRun& recorded, core::Timestamp now);

}  // namespace praetor::store::task_runs
