// Prefect's block-value placeholders: "{{ name }}" in a block's strings (a Custom Webhook
// block's URL, headers, JSON or form data) replaced by values such as its secrets and the
// notification's subject and body — Prefect's `apply_values`, not Jinja:
//   - a string that is exactly one placeholder becomes the value itself (any JSON type);
//     an unknown name removes the string's key or list item;
//   - otherwise each placeholder becomes the value's text (strings raw, true/false as
//     Python's True/False, null as None, numbers as written, lists and mappings as JSON),
//     an unknown name becomes "";
//   - names are dotted paths with [index] ("a.b[0]");
//   - "{{ prefect.blocks.… }}" and "{{ prefect.variables.… }}" are left as written (Prefect
//     resolves them only in deployment steps);
//   - "{{ $ENV }}" would read the server's environment: Praetor refuses it (an error naming
//     it) rather than send a server variable to an outside URL.
#pragma once

#include <boost/json.hpp>

#include "core/result.h"

namespace praetor::automations {

// Applies `values` to every string in `template_value`, recursively.
core::Result<boost::json::value> apply_placeholders(const boost::json::value& template_value,
                                                    const boost::json::object& values);

}  // namespace praetor::automations
