// An automation's trigger (Prefect's ServerTriggerTypes: EventTrigger | CompoundTrigger |
// SequenceTrigger, events/schemas/automations.py), read with pydantic's 422 entries and
// returned in the shape Prefect stores and serves: every default filled in, `within` as float
// seconds, sets as lists, and a new id for every trigger (Prefect's reset_ids on create and
// replace). Metric triggers are Prefect Cloud's: the open-source union refuses them, so this
// does too.
#pragma once

#include <optional>

#include <boost/json.hpp>

#include "core/json_field.h"

namespace praetor::core {

// The trigger at `field`, or nullopt after recording errors on it.
std::optional<json::object> read_trigger(const JsonField& field);

// ResourceSpecification.matches_every_resource_of_kind: the spec is empty, or only names
// "prefect.resource.id" with the value "<prefix>.*".
bool matches_every_resource_of_kind(const json::value& spec, std::string_view prefix);

}  // namespace praetor::core
