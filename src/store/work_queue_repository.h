// The id-based (legacy) view of work queues behind /api/work_queues (Prefect's
// models/work_queues.py): queues found by name in the "default-agent-pool", the runs a
// queue hands out, its late runs and the runs holding its slots. Rows live in the work_queue
// table of work_pool_repository.h. Functions take the Connection of a Database::read/write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/flow_run.h"
#include "core/work_pool.h"
#include "store/connection.h"

namespace praetor::store::work_queues {

// The pool legacy queues live in (DEFAULT_AGENT_WORK_POOL_NAME).
inline constexpr const char* kDefaultAgentPool = "default-agent-pool";

// Work-queue objects (core::work_queue_model()) as the API reads and writes them.
//
// Inserts `queue` into its pool (work_pool_id set) as create_work_queue does: a null
// priority takes the pool's first free one; a priority in use moves that queue and those
// after it down by one (bulk_update_work_queue_priorities). Returns false, writing nothing,
// when the pool has a queue of that name.
bool insert(Connection& c, boost::json::object& queue);
// The pool's queue of that name.
std::optional<boost::json::object> find_in_pool(Connection& c, const std::string& pool_id, const std::string& name);
// read_work_queue_by_name: the queue of that name in the default agent pool, or, before
// that pool exists, any queue of that name.
std::optional<boost::json::object> read_by_name(Connection& c, const std::string& name);
// Deletes the queue; deployments that used it keep no queue (detach_deployments).
bool remove(Connection& c, const std::string& id);
void detach_deployments(Connection& c, const std::string& queue_id);

// get_scheduled_flow_runs_from_work_queues for one queue: nothing when it is paused; else
// its SCHEDULED runs due by `before` (all when unset), earliest first, at most `limit` and,
// with a concurrency limit, at most the free slots (limit − runs PENDING/RUNNING/CANCELLING).
// Runs belong to the queue by work_queue_name, as upstream's query joins them.
std::vector<core::FlowRun> scheduled_runs(Connection& c, const core::WorkQueue& queue,
                                          std::optional<core::Timestamp> before, int64_t limit);

// Runs of the queue whose state is named "Late".
int64_t late_runs(Connection& c, const std::string& queue_id);

// Runs holding one of the queue's slots: PENDING/RUNNING/CANCELLING, in the queue by id
// (or, without a queue id, by name); count, and a page of them by id.
int64_t count_slot_holders(Connection& c, const core::WorkQueue& queue);
std::vector<core::FlowRun> slot_holders(Connection& c, const core::WorkQueue& queue, int64_t offset, int64_t limit);

}  // namespace praetor::store::work_queues
