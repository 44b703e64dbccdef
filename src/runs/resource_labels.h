// The resource labels Prefect's server events give work pools and work queues
// (server/models/events.py), shared by the events that name them.
#pragma once

#include <string>

#include <boost/json.hpp>

#include "core/work_pool.h"

namespace praetor::runs {

// A work pool as a related resource (role "work-pool").
inline boost::json::object work_pool_related(const core::WorkPool& pool) {
  return {{"prefect.resource.id", "prefect.work-pool." + pool.id},
          {"prefect.resource.name", pool.name},
          {"prefect.work-pool.type", pool.type},
          {"prefect.resource.role", "work-pool"}};
}

// A work queue as an event's resource or a related one (role "work-queue" either way).
inline boost::json::object work_queue_resource(const std::string& id, const std::string& name) {
  return {{"prefect.resource.id", "prefect.work-queue." + id},
          {"prefect.resource.name", name},
          {"prefect.resource.role", "work-queue"}};
}

}  // namespace praetor::runs
