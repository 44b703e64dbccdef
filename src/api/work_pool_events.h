// Prefect's work-pool lifecycle events (server/models/events.py work_pool_created_event,
// work_pool_updated_event, work_pool_deleted_event), built from stored pool objects
// (core::work_pool_model()). The resource carries the pool's type and the role
// "work-pool"; created and deleted relate its default queue ("default-queue") and its
// result storage block ("result-storage") when set.
#pragma once

#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "events/event.h"
#include "store/connection.h"

namespace praetor::api {

events::Event work_pool_created_event(const boost::json::object& pool, core::Timestamp now);
// What Prefect's create_work_pool emits for a pool just stored, in its order: its default
// queue's prefect.work-queue.created, then prefect.work-pool.created.
std::vector<events::Event> new_work_pool_events(store::Connection& c, const boost::json::object& pool,
                                                core::Timestamp now);
events::Event work_pool_deleted_event(const boost::json::object& pool, core::Timestamp now);
// prefect.work-pool.updated with {"updated_fields", "updates": {field: {"from", "to"}}} over
// the fields a PATCH sent among description, base_job_template, concurrency_limit and
// storage_configuration whose value changed; nullopt when none did (a pause is a status
// change, not an update).
std::optional<events::Event> work_pool_updated_event(const boost::json::object& before,
                                                     const boost::json::object& after,
                                                     const boost::json::object& sent, core::Timestamp now);

}  // namespace praetor::api
