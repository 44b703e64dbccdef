// Work pools (`work_pool`), their queues (`work_queue`) and workers (`worker`). Functions
// take the Connection of a Database::read/write call and throw SqliteError on database
// failure. Creating a pool also creates its "default" queue, as Prefect does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/flow_run.h"
#include "core/work_pool.h"
#include "store/sql_conditions.h"
#include "store/sqlite_connection.h"
#include "store/status_changes.h"

namespace praetor::store::work_pools {

// ---- pools (stored as core::work_pool_model() objects; the API's routes read and write
// them through the route kit, the functions here serve the server's own callers)
// Inserts `pool` and its default queue (id `default_queue_id`); nullopt when the name is
// taken.
std::optional<core::WorkPool> create(Connection& c, core::WorkPool pool, const std::string& default_queue_id);
// Inserts the pool's "default" queue (priority 1), dated `created` as its pool, as
// Prefect's create_work_pool does in the pool's transaction.
void insert_default_queue(Connection& c, const std::string& pool_id, const std::string& queue_id,
                          core::Timestamp created);
std::optional<core::WorkPool> read(Connection& c, const std::string& id);
std::optional<core::WorkPool> read_by_name(Connection& c, const std::string& name);
// Sets the pool's base job template, stamping it updated `now`.
void set_base_job_template(Connection& c, const std::string& pool_id, const boost::json::object& base_job_template,
                           core::Timestamp now);
// What a pool's deletion takes with it, before its row goes: its queues and workers;
// deployments that used its queues keep no queue.
void remove_dependents(Connection& c, const std::string& pool_id);
// Sets the pool's status (READY / NOT_READY / PAUSED), remembering when it changed; true
// when it changed.
bool set_status(Connection& c, const std::string& pool_id, const std::string& status, core::Timestamp now);
// Whether the pool has a worker ONLINE.
bool has_online_worker(Connection& c, const std::string& pool_id);
// Runs in PENDING/RUNNING/CANCELLING in the pool's queues (the pool's active slots).
int64_t active_runs(Connection& c, const std::string& pool_id);
// Runs holding the pool's slots (PENDING/RUNNING) per queue id; queues without any are absent.
std::map<std::string, int64_t> active_runs_by_queue(Connection& c, const std::string& pool_id);
// The first `limit` runs holding slots (PENDING/RUNNING) in the queue `queue_id`, by id.
std::vector<core::FlowRun> slot_holders_in_queue(Connection& c, const std::string& queue_id, int64_t limit);

// ---- queues (read as core::WorkQueue for polling and deployments; the API reads and
// writes core::work_queue_model() objects, store/work_queue_repository.h)
std::optional<core::WorkQueue> read_queue(Connection& c, const std::string& id);
std::optional<core::WorkQueue> read_queue_by_name(Connection& c, const std::string& pool_id, const std::string& name);
// Every queue of the pool, by priority then name.
std::vector<core::WorkQueue> list_queues(Connection& c, const std::string& pool_id);
// Queues matching a compiled filter over the unaliased work_queue table (any pool), by
// priority then name, or in `order_by` ("ORDER BY …") when given.
std::vector<core::WorkQueue> list_queues_where(Connection& c, const SqlCondition& where, int64_t limit,
                                               int64_t offset, const std::string& order_by = "");
int64_t queue_active_runs(Connection& c, const std::string& queue_id);
// A worker's poll: last_polled = now for these queues and the deployments that use them,
// and status READY for those not READY (Prefect's mark_work_queues_ready and
// mark_deployments_ready; a paused queue stays PAUSED). Returns those that became READY.
StatusChanges mark_queues_polled(Connection& c, const std::vector<std::string>& queue_ids, core::Timestamp now);

// ---- workers
// Upserts the worker by (pool, name): last heartbeat now, ONLINE; a NOT_READY pool becomes
// READY (a paused one stays PAUSED). True when the pool became READY.
bool record_heartbeat(Connection& c, const std::string& pool_id, const std::string& name,
                      std::optional<int64_t> heartbeat_interval_seconds, core::Timestamp now);
// The pool's workers, most recent heartbeat first.
std::vector<core::Worker> list_workers(Connection& c, const std::string& pool_id, int64_t limit, int64_t offset);
bool remove_worker(Connection& c, const std::string& pool_id, const std::string& name);

// ---- polling
struct ScheduledRun {
  std::string work_pool_id;
  std::string work_queue_id;
  core::FlowRun run;
};
// Prefect's get-runs-from-worker-queues: SCHEDULED runs (not in-process retries) of the
// pool's unpaused queues (all, or `queue_ids`), in a window, each queue's and the pool's
// concurrency limit respected (slots = limit − runs PENDING/RUNNING), ordered by queue
// priority then next_scheduled_start_time. Nothing when the pool is paused.
std::vector<ScheduledRun> scheduled_runs(Connection& c, const core::WorkPool& pool,
                                         const std::optional<std::vector<std::string>>& queue_ids,
                                         std::optional<core::Timestamp> before, std::optional<core::Timestamp> after,
                                         int64_t limit);

// ---- foreman
// When the foreman takes workers, queues and deployments for gone (Prefect's foreman
// settings, with their defaults).
struct Staleness {
  std::chrono::microseconds deployment_after = std::chrono::seconds(60);
  std::chrono::microseconds queue_after = std::chrono::seconds(60);
  int64_t heartbeat_multiple = 3;
  std::chrono::microseconds fallback_heartbeat_interval = std::chrono::seconds(30);
};
// Workers whose last heartbeat is older than `heartbeat_multiple` × their interval (the
// fallback when they sent none) become OFFLINE; READY pools without an ONLINE worker become
// NOT_READY; READY queues (not paused) not polled within `queue_after` become NOT_READY, and
// READY deployments not polled within `deployment_after` whose queue was not either
// (Prefect's foreman). Returns the pools, queues and deployments that became NOT_READY.
StatusChanges mark_stale(Connection& c, core::Timestamp now, const Staleness& staleness);

}  // namespace praetor::store::work_pools
