// Rows of task_run_queue and task_worker (migration 0017): the background task runs waiting
// for a task worker, and the task workers connected to the replicas. Functions take the
// Connection of a Database::read/write call and throw DatabaseError on database failure.
//
// A queued run is claimed by one subscriber (`owner`, unique per socket) with a
// compare-and-set UPDATE, so of two replicas (or two subscribers) racing for it one wins.
// A claim whose owner stopped refreshing it (its replica died) is stale and may be taken.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::task_run_queue {

// Queues a run (again): unclaimed, behind the runs already queued; `retry` puts it in the
// retry queue, served first. Replaces an earlier row of the same run.
void enqueue(Connection& c, const std::string& task_run_id, const std::string& task_key, bool retry,
             core::Timestamp now);

// Whether a run for `task_keys` waits unclaimed (a read: poll with it, claim with claim_next).
bool has_waiting(Connection& c, const std::vector<std::string>& task_keys, core::Timestamp stale_before);

// Claims the next run for `task_keys` (retry queue first, then oldest), skipping claims
// refreshed at or after `stale_before`. The claimed run's id, or nullopt when none waits.
std::optional<std::string> claim_next(Connection& c, const std::vector<std::string>& task_keys,
                                      const std::string& owner, core::Timestamp now, core::Timestamp stale_before);

// The worker acknowledged the run: it leaves the queue.
void remove(Connection& c, const std::string& task_run_id);
// The run was sent and not acknowledged: back to the retry queue, unclaimed, if `owner`
// still holds it.
void release(Connection& c, const std::string& task_run_id, const std::string& owner);
// Keeps the claims of `owners` fresh.
void refresh_claims(Connection& c, const std::vector<std::string>& owners, core::Timestamp now);

struct TaskWorker {
  std::string identifier;
  std::vector<std::string> task_keys;
  core::Timestamp seen;
};

// Records that the worker serves `task_keys` (added to those it had), seen now.
void observe_worker(Connection& c, const std::string& identifier, const std::vector<std::string>& task_keys,
                    core::Timestamp now);
void forget_worker(Connection& c, const std::string& identifier);
// Workers seen at or after `since`; with `task_keys`, those serving any of them.
std::vector<TaskWorker> list_workers(Connection& c, const std::vector<std::string>& task_keys, core::Timestamp since);

}  // namespace praetor::store::task_run_queue
