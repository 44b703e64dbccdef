// Renders action templates (core/user_template.h: text, {# comments #}, {{ expressions }}, for, if
// with the filters of core/template_filters.h) against the context objects: event, labels,
// automation, flow_run, deployment, flow, work_pool, work_queue. The parser is the one that
// validates templates, so what is accepted at create time is what renders here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"

namespace praetor::automations {

// The top-level names a template uses, e.g. {"event", "flow_run"} (so a caller fetches
// only the objects it needs). A template Praetor does not render is an error naming why.
core::Result<std::vector<std::string>> template_names(const std::string& text);

// Renders `text` with `context` (name → JSON value). A missing attribute is Jinja's
// undefined: it renders as "" (and the `default` filter replaces it); strings render raw,
// other values as Python's str() (lists and mappings as their repr).
//
// Prefect's UI-link filters apply to a context object named directly (`flow_run|ui_url`,
// `deployment|ui_resource_events_url`, `event.resource|…`): the name tells the kind of
// object, as the Python class does in Prefect. `ui_url` is where the UI is (Prefect's
// PREFECT_UI_URL); without it ui_url renders None and ui_resource_events_url a relative
// link, as in Prefect. On any other value both render None.
core::Result<std::string> render_template(const std::string& text, const boost::json::object& context,
                                          const std::optional<std::string>& ui_url = std::nullopt);

}  // namespace praetor::automations
