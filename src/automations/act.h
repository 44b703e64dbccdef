// What a firing does (Prefect's triggers.act): the automation's
// `prefect.automation.triggered` event, and one triggered action per action to run, each
// a JSON document for the outbox (action_runner.h runs them).
#pragma once

#include <vector>

#include <boost/json.hpp>

#include "automations/automation.h"
#include "automations/engine_state.h"
#include "events/event.h"

namespace praetor::automations {

struct Acted {
  std::vector<events::Event> events;             // the state-change event
  std::vector<boost::json::object> actions;      // TriggeredAction documents, in order
};

// `now` is the received time of the events it makes.
Acted act(const Automation& automation, const Trigger& trigger, const Firing& firing, core::Timestamp now);

}  // namespace praetor::automations
