// Automations (Prefect's events/schemas/automations.py Automation): a trigger and the actions
// it runs. The trigger and the action lists are stored and served as JSON documents in the
// shape Prefect returns them, after validation fills their defaults
// (core/automation_trigger.h, core/automation_action.h).
#pragma once

#include <optional>
#include <string>

#include "core/model.h"
#include "core/result.h"

namespace praetor::core {

const Model& automation_model();

// An AutomationCreate / AutomationUpdate body read with Prefect's 422 entries: the model's
// fields (no id/created/updated), plus AutomationCore.prevent_run_deployment_loops.
struct AutomationBody {
  json::object automation;
  std::optional<std::string> owner_resource;  // AutomationCreate.owner_resource
};
Result<AutomationBody> read_automation_body(const json::value& body);

// The value_error, if any, of AutomationCore.prevent_run_deployment_loops for a read
// automation: an enabled reactive trigger on flow-run state events that runs a deployment
// which its own runs would trigger again.
std::optional<std::string> run_deployment_loop(const json::object& automation);

}  // namespace praetor::core
