// An automation's action (Prefect's ServerActionTypes union, events/actions.py), read with
// pydantic's 422 entries and returned in the shape Prefect stores and serves, defaults
// filled in. Template fields (a notification's subject and body, a webhook's payload) must
// be templates Praetor renders (core/user_template.h).
#pragma once

#include <optional>

#include <boost/json.hpp>

#include "core/json_field.h"

namespace praetor::core {

// The action at `field`, or nullopt after recording errors on it.
std::optional<json::object> read_action(const JsonField& field);
// A list of actions (`actions`, `actions_on_trigger`, `actions_on_resolve`).
std::optional<json::array> read_action_list(const JsonField& field);

}  // namespace praetor::core
