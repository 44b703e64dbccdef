// Validates a JSON value against a JSON Schema, in the subset pydantic writes for the models
// the SDK sends (a RunInput's schema for a paused run): type (one or a list), properties,
// required, additionalProperties, items, enum, const, anyOf/oneOf/allOf, minimum/maximum,
// exclusiveMinimum/exclusiveMaximum, minLength/maxLength, minItems/maxItems, and local $ref
// ("#/definitions/…", "#/$defs/…"). Other keywords (format, pattern, …) are not checked.
// Messages read as the `jsonschema` package words them ("'x' is a required property").
#pragma once

#include <optional>
#include <string>

#include <boost/json.hpp>

namespace praetor::core {

struct SchemaViolation {
  std::string path;     // where, as jsonschema's json_path: "$", "$.pet.kind", "$.tags[0]"
  std::string message;  // what, e.g. "'name' is a required property"
  bool operator==(const SchemaViolation&) const = default;
};

// The first violation found, or nullopt when `instance` conforms to `schema`.
std::optional<SchemaViolation> json_schema_violation(const boost::json::value& instance,
                                                     const boost::json::value& schema);

}  // namespace praetor::core
