// The WorkQueueUpdate body shared by PATCH /work_pools/{pool}/queues/{name} and
// PATCH /work_queues/{id}: only the fields present are set; negative concurrency limits and
// priorities below 1 are 422s.
#pragma once

#include <boost/json.hpp>

#include "core/result.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

core::Result<store::work_pools::QueueUpdate> parse_queue_update(const boost::json::value& body);

}  // namespace praetor::api
