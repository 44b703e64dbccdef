// Validates a JSON value against a JSON Schema as the `jsonschema` package's Draft 2020-12
// validator does, for the keywords pydantic and Prefect's UI write: type (one or a list),
// properties, required, additionalProperties, items, prefixItems, enum, const,
// anyOf/oneOf/allOf/not, minimum/maximum, exclusiveMinimum/exclusiveMaximum, multipleOf,
// minLength/maxLength, pattern, minItems/maxItems, uniqueItems, minProperties/maxProperties,
// and local $ref ("#", "#/definitions/…", "#/$defs/…"). Other keywords (format,
// patternProperties, if/then/else, …) are not checked. Messages read as jsonschema words
// them ("'x' is a required property").
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>

namespace praetor::core {

struct SchemaViolation {
  std::string path;     // where, as jsonschema's json_path: "$", "$.pet.kind", "$.tags[0]"
  std::string message;  // what, e.g. "'name' is a required property"
  bool operator==(const SchemaViolation&) const = default;
};

// The violation jsonschema's best_match reports (the shallowest), or nullopt when `instance`
// conforms to `schema`. A schema whose references cannot be resolved, or loop, is a violation too.
std::optional<SchemaViolation> json_schema_violation(const boost::json::value& instance,
                                                     const boost::json::value& schema);

// One step into a value: an object's property or an array's index.
using JsonPathPart = std::variant<std::string, std::size_t>;

struct SchemaError {
  std::vector<JsonPathPart> path;            // jsonschema's relative_path
  std::string keyword;                       // the failing keyword: "required", "type", …
  std::string message;
  const boost::json::value* instance = nullptr;  // the failing value, inside the validated one
};

struct SchemaCheck {
  std::vector<SchemaError> errors;  // in the order jsonschema's iter_errors yields them
  bool circular = false;            // a $ref loop that never reaches a value
  std::optional<std::string> unresolvable;  // the first $ref that names nothing
};

// Every violation. `placeholder` (optional) gives the message of a value that stands for a
// failed substitution (Prefect's hydration errors): such a value fails, keyword
// "_placeholders", under every schema applied to it, after that schema's own keywords.
using PlaceholderMessage = std::function<std::optional<std::string>(const boost::json::value&)>;
SchemaCheck json_schema_errors(const boost::json::value& instance, const boost::json::value& schema,
                               const PlaceholderMessage& placeholder = {});

// Python's repr of a JSON value, as jsonschema quotes values in its messages.
std::string python_repr(const boost::json::value& v);

}  // namespace praetor::core
