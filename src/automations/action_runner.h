// Runs a triggered action (an outbox document from act.h) as Prefect's actions service
// does: through the server's own API (Prefect calls its orchestration API over HTTP; Praetor
// dispatches the same requests in-process) or, for webhooks and notifications, over HTTP to
// the outside system (block_actions.h); then reports it with
// `prefect.automation.action.triggered` and `…action.executed` / `…action.failed` events
// carrying the related resources Prefect attaches (the target, a created flow run, the
// block, the automation.triggered event and the triggering event).
#pragma once

#include <vector>

#include <boost/json.hpp>

#include "automations/action_context.h"
#include "core/outbound_http.h"
#include "core/timestamp.h"
#include "events/event.h"

namespace praetor::automations {

// Runs the action; returns the two events that report it. Never throws for a failed action
// (that is a failed event); the clock stamps the outcome event.
std::vector<events::Event> run_action(const boost::json::object& triggered_action, const ActionPorts& ports,
                                      const core::Clock& clock);

}  // namespace praetor::automations
