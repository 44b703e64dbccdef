// Runs a triggered action (an outbox document from act.h) as Prefect's actions service
// does: through the server's own API (Prefect calls its orchestration API over HTTP; Praetor
// dispatches the same requests in-process), then reports it with
// `prefect.automation.action.triggered` and `…action.executed` / `…action.failed` events
// carrying the related resources Prefect attaches (the target, a created flow run, the
// automation.triggered event and the triggering event).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "events/event.h"

namespace praetor::automations {

struct ApiReply {
  int status = 0;
  std::string body;
};
// Sends one request to the server's API (path under /api, e.g. "/api/deployments/…").
using ApiDispatch = std::function<ApiReply(const std::string& method, const std::string& path, const std::string& body)>;

// Runs the action; returns the two events that report it. Never throws for a failed action
// (that is a failed event); `now` stamps the outcome event.
std::vector<events::Event> run_action(const boost::json::object& triggered_action, const ApiDispatch& api,
                                      const core::Clock& clock);

}  // namespace praetor::automations
