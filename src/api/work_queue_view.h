// What every work-queue route answers (both /work_queues/{id} and
// /work_pools/{pool}/queues/{name}): Prefect's WorkQueueResponse, built from stored
// core::work_queue_model() objects. Beside the stored fields it carries the deprecated
// `filter` (always null), the pool's name, the status (PAUSED while paused, else the stored
// READY/NOT_READY the polls and the foreman keep) and, for a queue with a concurrency
// limit, its runs holding slots as `active_slots` (null without a limit).
#pragma once

#include <boost/json.hpp>

#include "store/connection.h"

namespace praetor::api {

// Response bodies in the order of `stored`; for ResourceRoutes::read_view.
boost::json::array work_queue_bodies(store::Connection& c, boost::json::array stored);
boost::json::object work_queue_body(store::Connection& c, const boost::json::object& stored);

}  // namespace praetor::api
