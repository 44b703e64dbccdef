// Automations (Prefect's events/schemas/automations.py Automation): a trigger and the actions
// it runs. The trigger and the action lists are stored and served as JSON documents in the
// shape Prefect returns them, after validation fills their defaults
// (core/automation_validation.h).
#pragma once

#include "core/model.h"

namespace praetor::core {

const Model& automation_model();

}  // namespace praetor::core
