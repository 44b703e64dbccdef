// Prefect's deployment events (server/models/events.py deployment_created_event,
// deployment_updated_event, deployment_deleted_event, deployment_status_event): the
// deployment as resource and, as related resources, its flow, work queue, work pool and
// storage and infrastructure blocks (Prefect's _deployment_related_resources; its
// concurrency limit is not carried over). Built in the write's transaction, published once
// it commits.
#pragma once

#include <optional>
#include <string>

#include "core/deployment.h"
#include "core/timestamp.h"
#include "events/event.h"
#include "store/connection.h"

namespace praetor::runs {

// `name`: e.g. "prefect.deployment.created", "prefect.deployment.deleted",
// "prefect.deployment.ready".
events::Event deployment_event(store::Connection& c, std::string name, const core::Deployment& d, core::Timestamp now);
// prefect.deployment.updated with {"updated_fields", "updates": {field: {"from", "to"}}}
// over Prefect's DEPLOYMENT_EVENT_FIELDS whose value changed (job variables under Prefect's
// column name, infra_overrides); nullopt when none did. Prefect lists the fields in no fixed
// order; Praetor in DEPLOYMENT_EVENT_FIELDS' source order.
std::optional<events::Event> deployment_updated_event(store::Connection& c, const core::Deployment& before,
                                                      const core::Deployment& after, core::Timestamp now);

}  // namespace praetor::runs
