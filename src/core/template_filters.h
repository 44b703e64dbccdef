// The Jinja filters automation templates may use (core/user_template.h): a few of Jinja's
// built-ins, as Jinja 3 computes them, and Prefect's event filters
// (server/events/jinja_filters.py). This table is the one list: the template parser accepts
// exactly these names, and the automations engine renders with these functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"

namespace praetor::core {

// A value while a template is evaluated; nullopt is Jinja's undefined (a missing attribute).
using TemplateValue = std::optional<boost::json::value>;

struct TemplateFilter {
  std::string_view name;
  std::size_t max_args;  // positional literal arguments after the value
  // Null for Prefect's UI-link filters, which the automations' renderer applies itself
  // (they need the kind of object and the UI's URL: automations/template.h).
  Result<TemplateValue> (*apply)(const TemplateValue& value, const std::vector<boost::json::value>& args);
};

// nullptr for a name that is not a filter Praetor knows.
const TemplateFilter* find_template_filter(std::string_view name);

// What {{ value }} prints, as Python's str(): strings raw, None, True/False, numbers as
// Python writes them, undefined as "", lists and dicts as Python's repr ({'k': 'v'}).
std::string template_text(const TemplateValue& value);

// Jinja's truth of a value: undefined, None, false, 0, "" and empty lists and mappings are false.
bool template_truthy(const TemplateValue& value);

}  // namespace praetor::core
