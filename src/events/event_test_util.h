// Test helper: events built in one line.
#pragma once

#include <string>

#include "core/uuid.h"
#include "events/event.h"

namespace praetor::events::testing {

inline boost::json::object resource(const std::string& id, boost::json::object more = {}) {
  more["prefect.resource.id"] = id;
  return more;
}

inline boost::json::object related(const std::string& id, const std::string& role, boost::json::object more = {}) {
  more["prefect.resource.id"] = id;
  more["prefect.resource.role"] = role;
  return more;
}

inline Event make_event(std::string name, boost::json::object res, boost::json::array rel = {},
                        core::Timestamp occurred = core::from_micros(1'750'000'000'000'000)) {
  Event e;
  e.id = core::new_uuid7();
  e.occurred = occurred;
  e.received = occurred;
  e.event = std::move(name);
  e.resource = std::move(res);
  e.related = std::move(rel);
  return e;
}

}  // namespace praetor::events::testing
