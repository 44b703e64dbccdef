// Prefect's status events for work pools, work queues and deployments
// (server/models/events.py: work_pool_status_event, work_queue_status_event,
// deployment_status_event): `prefect.<kind>.ready`, `.not-ready` or `.paused` for each object
// whose status a write changed, built from the stored rows in that write's transaction and
// published once it commits. A worker's heartbeat and polls make pools, queues and
// deployments READY; the foreman makes them NOT_READY; pausing makes pools and queues PAUSED.
// Not carried over: the `follows` link from a pool's status event to its previous one, and a
// deployment's related concurrency limit.
#pragma once

#include <vector>

#include "core/timestamp.h"
#include "events/event.h"
#include "store/connection.h"
#include "store/status_changes.h"

namespace praetor::runs {

// One event per changed object still stored, with its status as stored now (a paused pool
// or queue is PAUSED).
std::vector<events::Event> readiness_events(store::Connection& c, const store::StatusChanges& changed,
                                            core::Timestamp now);

}  // namespace praetor::runs
