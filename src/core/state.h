// Run states as Prefect models them (schemas/states.py): a type, a display name, a
// timestamp, a message, state_details and opaque data (result metadata, kept verbatim).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::core {

enum class StateType { kScheduled, kPending, kRunning, kCompleted, kFailed, kCancelled, kCrashed, kPaused, kCancelling };

std::string_view to_string(StateType t);
std::optional<StateType> parse_state_type(std::string_view s);
// "Running", "Cancelling": the default name of a state of this type.
std::string default_state_name(StateType t);
// COMPLETED, FAILED, CANCELLED, CRASHED.
bool is_final(StateType t);

struct State {
  std::string id;
  StateType type = StateType::kPending;
  std::string name;
  Timestamp timestamp;
  std::optional<std::string> message;
  boost::json::object state_details;  // as sent; normalised on output
  boost::json::value data;            // null or a JSON document, verbatim
};

// A proposed state from a request body (StateCreate): type required; name defaults from
// the type; a SCHEDULED state without scheduled_time gets `now`. `id` and `timestamp` are
// left for the caller to mint. Errors are 422-shaped with `loc` under `loc_prefix`.
Result<State> parse_state_create(const boost::json::value& v, boost::json::array loc_prefix, Timestamp now);

// State JSON with every StateDetails key present (nulls/defaults filled in), as the client's
// pydantic models expect.
boost::json::object to_json(const State& s);
boost::json::object normalised_state_details(const boost::json::object& details);

}  // namespace praetor::core
