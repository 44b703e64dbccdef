// A work queue (Prefect's core.WorkQueue and its WorkQueueCreate/WorkQueueUpdate actions,
// api/work_queues.py and the pool-scoped queue routes of api/workers.py). What the routes
// answer is WorkQueueResponse, built from these objects by api/work_queue_view.h; the runs
// a queue hands out are in store/work_queue_repository.h.
#pragma once

#include <string_view>

#include <boost/json.hpp>

#include "core/model.h"
#include "core/timestamp.h"

namespace praetor::core {

// Fields in the order of WorkQueue: id, created, updated, name, description, is_paused,
// concurrency_limit, priority, work_pool_id, last_polled, status. A create's null priority
// is resolved by the store (the pool's first free one). work_pool_id, last_polled and
// status are server-set.
const Model& work_queue_model();

// A new queue of the pool, stamped `now`, every other field at its default (priority null).
boost::json::object new_work_queue(std::string_view pool_id, std::string_view name, Timestamp now);

}  // namespace praetor::core
