// The database vacuum's deletes (Prefect's services/db_vacuum.py): old events with their
// resources, old top-level terminal flow runs with what hangs off them, and rows orphaned by
// an interrupted vacuum. Every function does one bounded step, meant to be its own short
// write (the service loops over them), and throws DatabaseError on database failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::vacuum {

struct EventsDeleted {
  int64_t events = 0;
  int64_t resources = 0;
};

// Deletes up to `limit` events whose `occurred` is before `cutoff` (only those named
// `event_type`, when given), with their event_resource rows.
EventsDeleted delete_old_events(Connection& c, core::Timestamp cutoff, const std::optional<std::string>& event_type,
                                int64_t limit);

// Deletes up to `limit` flow runs (lowest ids first) that have no parent task run, are in a
// terminal state and ended before `cutoff`, with their states, task runs (and theirs) and
// inputs; returns their ids. Their logs and artifacts are left for delete_rows_of_flow_runs,
// as Prefect deletes them in batches of their own. A subflow whose parent task run goes
// becomes top-level (Prefect's ON DELETE SET NULL), so a later call may take it. On
// PostgreSQL a run another transaction has locked is skipped (Prefect's SKIP LOCKED).
std::vector<std::string> delete_old_flow_runs(Connection& c, core::Timestamp cutoff, int64_t limit);

// The tables that reference flow runs without a foreign key.
enum class RunChild { kLog, kArtifact };
const char* table_name(RunChild child);

// Deletes up to `limit` rows of `child` whose flow_run_id is one of `flow_run_ids`, from
// position `next` on; `next` moves past each run whose rows are all gone, so calling again
// until it reaches the end deletes them all. With `only_if_run_missing`, a run's rows are
// deleted only while no flow run of that id exists (a run written since is left alone).
int64_t delete_rows_of_flow_runs(Connection& c, RunChild child, const std::vector<std::string>& flow_run_ids,
                                 std::size_t& next, int64_t limit, bool only_if_run_missing);

// The distinct flow_run_id values of `child` after `after` (from the first when empty), in
// order, at most `limit`: one slice of the flow_run_id index.
std::vector<std::string> referenced_flow_run_ids(Connection& c, RunChild child, const std::string& after,
                                                 int64_t limit);

// Those of `ids` that name no flow run.
std::vector<std::string> missing_flow_runs(Connection& c, const std::vector<std::string>& ids);

struct CollectionsReconciled {
  int64_t repointed = 0;
  int64_t removed = 0;
};

// Up to `limit` artifact collections whose latest artifact no longer exists: each is
// pointed at the newest remaining artifact of its key (its fields copied), or removed when
// none is left.
CollectionsReconciled reconcile_stale_artifact_collections(Connection& c, int64_t limit);

}  // namespace praetor::store::vacuum
