// How both work-queue APIs (/work_queues/{id} and /work_pools/{pool}/queues/{name}) answer
// with a queue: Prefect's WorkQueueResponse, with its count of active runs as
// `active_slots` when the queue has a concurrency limit.
#pragma once

#include <functional>

#include <boost/json.hpp>

#include "api/context.h"
#include "api/http.h"
#include "core/result.h"
#include "core/work_pool.h"
#include "store/connection.h"

namespace praetor::api {

boost::json::object work_queue_json(store::Connection& c, const core::WorkQueue& q);

// Finds one queue in a read snapshot (`find` gives the queue, or the error to answer) and
// answers 200 with it.
core::Result<Response> work_queue_response(
    ApiContext& ctx, const std::function<core::Result<core::WorkQueue>(store::Connection&)>& find);

}  // namespace praetor::api
