// The actions that reach outside systems through a block document (Prefect's CallWebhook
// and SendNotification):
//   - call-webhook: a Webhook block (method, url, headers, allow_private_urls, verify) is
//     called with the rendered payload; any answered status is success, with status_code,
//     response_body (Prefect's truncated_to 1000) and response_headers (minus the ones
//     Prefect redacts) in the executed event;
//   - send-notification: the rendered subject and body through a notification block.
//     Praetor sends Custom Webhook blocks itself (their {{ placeholders }}, query params,
//     JSON or form data, headers, cookies and timeout); a non-2xx answer fails the action.
//     Prefect sends its other notification blocks (Slack, Teams, e-mail, …) through the
//     Apprise library, which Praetor does not have: those fail, naming the block type.
// Both add the block document and block type to the events' related resources.
#pragma once

#include <boost/json.hpp>

#include "automations/action_context.h"

namespace praetor::automations {

Outcome call_webhook(const boost::json::object& action, const ActionContext& ctx);
Outcome send_notification(const boost::json::object& action, const ActionContext& ctx);

}  // namespace praetor::automations
