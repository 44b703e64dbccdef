// What one action of a fired automation runs with: the triggered-action document (its
// automation, triggering event and labels), the server's API in-process, an outbound HTTP
// transport for actions that call outside systems, and the clock; plus what running the
// action produced (Outcome), from which action_runner.h makes its events.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/json_util.h"
#include "core/outbound_http.h"
#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::automations {

struct ApiReply {
  int status = 0;
  std::string body;
};
// Sends one request to the server's API (path under /api, e.g. "/api/deployments/…", with
// an optional "?query").
using ApiDispatch = std::function<ApiReply(const std::string& method, const std::string& path, const std::string& body)>;

// What actions reach: the server's API, the outside world (may be empty: then webhook and
// notification actions fail, saying so), and where the web UI is for links in templates
// (Prefect's PREFECT_UI_URL; none: ui_url renders None).
struct ActionPorts {
  ApiDispatch api;
  core::OutboundHttp http;
  std::optional<std::string> ui_url;
};

// What running an action produced: a failure reason (the action.failed event) or none (the
// action.executed event), details for the event's payload and related resources.
struct Outcome {
  std::optional<std::string> failure;
  boost::json::object details;
  boost::json::array related;
};

using core::string_at;

// Prefect's reason for an API answer that was not a success: the status and its detail.
std::string reason_from(const ApiReply& reply);

class ActionContext {
 public:
  // The references must outlive the context.
  ActionContext(const boost::json::object& triggered_action, const ActionPorts& ports, const core::Clock& clock);

  const boost::json::object* event() const { return event_; }
  const boost::json::object& labels() const { return labels_; }
  std::string automation_id() const { return string_at(ta_, "automation_id"); }
  const core::Clock& clock() const { return clock_; }

  // The id of the first resource of the triggering event (primary, then related) whose id
  // is "<kind>.<uuid>".
  std::optional<std::string> id_of_first_resource_of_kind(const std::string& kind) const;

  ApiReply call(const std::string& method, const std::string& path, const boost::json::value& body = nullptr) const;

  // Sends a request outside the server; an error when no transport was given.
  core::Result<core::OutboundResponse> send(const core::OutboundRequest& request) const;

  // Renders one action template (template.h) with the objects it names, fetched only when
  // used.
  core::Result<std::string> render(const std::string& text) const;

 private:
  core::Result<boost::json::object> template_context(const std::vector<std::string>& names) const;
  boost::json::value fetch_object(const std::string& name) const;

  const boost::json::object& ta_;
  const ActionPorts& ports_;
  const core::Clock& clock_;
  const boost::json::object* event_ = nullptr;
  boost::json::object labels_;
};

}  // namespace praetor::automations
