// Prefect's event model (prefect/events/schemas/events.py): a resource (flat string→string
// label map with "prefect.resource.id"), related resources (each also with
// "prefect.resource.role"), a payload, and the server-side `received` time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::events {

struct Event {
  std::string id;
  core::Timestamp occurred;
  std::string event;  // e.g. "prefect.task-run.Running"
  boost::json::object resource;
  boost::json::array related;  // of label objects
  boost::json::object payload;
  std::optional<std::string> follows;
  core::Timestamp received;

  std::string resource_id() const;  // "" when absent
  // The id of the first related resource with this role, e.g. "flow-run" →
  // "prefect.flow-run.<uuid>"; nullopt when absent.
  std::optional<std::string> related_id(std::string_view role) const;
};

// Parses a client-sent Event; `received` is set to `now`. Validation errors are 422-shaped.
core::Result<Event> parse_event(const boost::json::value& v, core::Timestamp now);

// ReceivedEvent JSON (the event plus "received").
boost::json::object to_json(const Event& e);

}  // namespace praetor::events
