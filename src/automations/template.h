// Action templates in the subset of Jinja that Prefect's automation docs show: text with
// `{{ name.attribute... }}` expressions (dotted and ["key"] access into the context
// objects: event, labels, automation, flow_run, deployment, flow, work_pool, work_queue).
// Anything else of Jinja (`{% %}` statements, filters, calls, arithmetic) is refused by
// name, never rendered blank.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"

namespace praetor::automations {

// The top-level names a template uses, e.g. {"event", "flow_run"} (so a caller fetches
// only the objects it needs). Unsupported syntax is an error.
core::Result<std::vector<std::string>> template_names(const std::string& text);

// Renders `text` with `context` (name → JSON value). A missing attribute renders as "", as
// Jinja's undefined does; strings render raw, other values as JSON (Python's str() of a
// dict is close but not equal; documented).
core::Result<std::string> render_template(const std::string& text, const boost::json::object& context);

}  // namespace praetor::automations
