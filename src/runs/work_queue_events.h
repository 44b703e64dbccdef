// Prefect's work-queue lifecycle events (server/models/events.py work_queue_created_event,
// work_queue_updated_event, work_queue_deleted_event) for core::work_queue_model() objects,
// built in the write's transaction (their pool is read for the related resource) and
// published once it commits. Not emitted: the deleted events of the queues a pool's
// deletion takes with it.
#pragma once

#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "events/event.h"
#include "store/connection.h"

namespace praetor::runs {

// `name`: "prefect.work-queue.created" or "prefect.work-queue.deleted".
events::Event work_queue_event(store::Connection& c, std::string name, const boost::json::object& queue,
                               core::Timestamp now);
// prefect.work-queue.updated with {"updated_fields", "updates": {field: {"from", "to"}}} over
// the fields among name, description, concurrency_limit and priority whose value changed
// (a pause is a status change, not an update); nullopt when none did.
std::optional<events::Event> work_queue_updated_event(store::Connection& c, const boost::json::object& before,
                                                      const boost::json::object& after, core::Timestamp now);

}  // namespace praetor::runs
