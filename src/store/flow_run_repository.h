// Flow-run rows (`flow_run`) and their state history (`flow_run_state`). Functions take
// the Connection of a Database::read/write call and throw DatabaseError on database failure
// (Database turns that into a Result error). Callers group the writes of one transition
// into one Database::write.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/flow_run.h"
#include "core/state.h"
#include "store/sql_conditions.h"
#include "store/connection.h"

namespace praetor::store::flow_runs {

struct CreateResult {
  core::FlowRun run;
  bool created;  // false when (flow_id, idempotency_key) matched an existing run
};

// Inserts `run` (no state). With an idempotency key, an existing run of the same flow and
// key is returned instead, unchanged. A missing flow violates the foreign key (→ 409).
CreateResult create(Connection& c, const core::FlowRun& run);
// A run as another server stored it (its state columns, counts and times included) with
// its state history, oldest first.
struct WithHistory {
  core::FlowRun run;
  std::vector<core::State> states;
};
// Inserts `runs` as they are, with their histories, in multi-row statements
// (store/bulk_insert.h): how an import writes another server's runs. A run whose id, or
// whose flow and idempotency key, Praetor already holds is left out with its states; the
// ids inserted are returned. A state is recorded as created when its run was last updated.
// A missing flow violates the foreign key (→ 409).
std::set<std::string> insert_many(Connection& c, const std::vector<const WithHistory*>& runs);
// The run with its current state joined in, or nullopt.
std::optional<core::FlowRun> read(Connection& c, const std::string& id);
// True when the flow has a run with this idempotency key.
bool has_idempotency_key(Connection& c, const std::string& flow_id, const std::string& key);
// Locks the run's row until the write transaction ends, so concurrent transitions of one
// run are serialised (PostgreSQL: SELECT … FOR UPDATE; a no-op on SQLite, whose single
// writer serialises every write). Call before reading the run in a transition.
void lock_for_update(Connection& c, const std::string& id);
// Runs matching `where` (a condition over the unaliased flow_run table), in
// `order_by` order, each with its current state joined in.
std::vector<core::FlowRun> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                                int64_t offset);
int64_t count(Connection& c, const SqlCondition& where);
// For a page in START_TIME order (COALESCE(start_time, expected_start_time), either
// direction) whose filter keeps only runs with expected_start_time in [after, before] (µs;
// either end may be open): a range of that order key holding every run of the window, to AND
// onto the page's query, so the page walks the start-time-order index (migration 0023) from
// the window's edge and stops after the page instead of sorting the whole window. Exact: the
// runs started more than an hour off their expected start are read from their index
// (migration 0025); every other run's key lies within an hour of its expected start. Nullopt
// on PostgreSQL, without a bound, for an empty window, or when the range reaches further
// outside the window than the window is wide (the walk might then read more rows than the
// sort would); the caller then runs its plain query.
std::optional<SqlCondition> start_order_range(Connection& c, std::optional<int64_t> after,
                                              std::optional<int64_t> before);
// Applies the fields set in `update`; false when no such run.
bool update(Connection& c, const std::string& id, const core::FlowRunUpdate& update, core::Timestamp now);
// Merges `labels` into the run's labels (new keys win); false when no such run.
bool patch_labels(Connection& c, const std::string& id, const boost::json::object& labels, core::Timestamp now);
// Deletes the run, its states, and (explicitly: no foreign keys there) its task runs, their
// states and its logs. False when no such run.
bool remove(Connection& c, const std::string& id);
// remove() for many runs, one statement per table; returns the ids that existed, in the
// order given.
std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids);

// Writes `state` as the run's new current state and stores the run's bookkeeping columns
// (state_*, run_count, times, empirical_policy) from `run`. `before` is the run as stored
// now: indexed columns equal there are left as they are.
void write_state(Connection& c, const core::FlowRun& before, const core::FlowRun& run, const core::State& state,
                 core::Timestamp now);
// Stores the bookkeeping columns only (a transition that wrote no state but changed them).
void write_bookkeeping(Connection& c, const core::FlowRun& before, const core::FlowRun& run, core::Timestamp now);

std::optional<core::State> read_state(Connection& c, const std::string& state_id);
// The run's states, oldest first.
std::vector<core::State> list_states(Connection& c, const std::string& flow_run_id);
// Timestamps of the run's states at or after `from` (for the unique-timestamp rule).
std::vector<core::Timestamp> state_timestamps_from(Connection& c, const std::string& flow_run_id,
                                                   core::Timestamp from);


}  // namespace praetor::store::flow_runs
