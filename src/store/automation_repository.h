// Automations (core/automation.h) and their related resources (Prefect's
// automation_related_resource): the deployments an automation's run-deployment actions select,
// and the resource that owns it (a deployment's `triggers:`, deleted with the deployment).
// Objects are json::objects in the shape of the API's Automation (core::to_response order is
// the route's business). Functions take the Connection of a Database::read/write call and throw
// DatabaseError on failure; writers must run inside Database::write.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::automations {

// Every enabled automation, oldest first (what the trigger engine evaluates).
boost::json::array list_enabled(Connection& c);
// The automation with this id, or nullopt.
std::optional<boost::json::object> find(Connection& c, std::string_view id);
// Sets `enabled` (and `updated`); returns the automation as stored afterwards, or nullopt when
// no such automation.
std::optional<boost::json::object> set_enabled(Connection& c, std::string_view id, bool enabled,
                                               core::Timestamp now);

// Inserts a validated automation (id, created and updated set) and its related resources:
// `owner_resource` as owner, and the deployments its run-deployment actions select.
void insert(Connection& c, const boost::json::object& automation, const std::optional<std::string>& owner_resource,
            core::Timestamp now);
// Replaces every field of the automation with its id but `created`; re-derives the selected
// deployments (the owner stays). Returns false when no such automation.
bool replace(Connection& c, const boost::json::object& automation, core::Timestamp now);
// Deletes the automation and its related resources; returns it, if it existed.
std::optional<boost::json::object> remove(Connection& c, std::string_view id);

// Automations related to `resource_id` (owned by it or selecting it), by name.
boost::json::array related_to(Connection& c, std::string_view resource_id);
// Deletes the automations `resource_id` owns that were created at or before `created_before`
// (Prefect's AutomationFilterCreated.before_); returns the deleted automations.
std::vector<boost::json::object> remove_owned_by(Connection& c, std::string_view resource_id,
                                                 core::Timestamp created_before);

}  // namespace praetor::store::automations
