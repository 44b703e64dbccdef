// The lifecycle events of automations (Prefect's events/schemas/lifecycle.py
// automation_created/updated/deleted_event): prefect.automation.<action> about
// prefect.automation.<id>, the automation as payload. Published after the write commits, by
// the automation routes and by the deployment deletes that delete owned automations, so a
// trigger engine following the event bus sees every change.
#pragma once

#include <string_view>

#include <boost/json.hpp>

#include "api/context.h"

namespace praetor::api {

// `automation`: as stored (store/automation_repository.h).
void publish_automation_event(ApiContext& ctx, std::string_view action, const boost::json::object& automation);

}  // namespace praetor::api
