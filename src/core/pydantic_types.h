// Readers for the pydantic types automations use beyond JsonField's scalars: a smart-mode
// Union of models (each member's errors reported under the member's tag, as pydantic does
// when none matches) and a timedelta (seconds or an ISO 8601 / "[-][D ]HH:MM:SS" string).
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/json_field.h"

namespace praetor::core {

// Reads one member of a union: the normalised object, or nullopt after recording errors on
// the field it is given (whose loc already ends with the member's tag).
using UnionMemberReader = std::function<std::optional<json::object>(const JsonField& member)>;

struct UnionMember {
  std::string_view tag;  // pydantic's loc element for the member: "EventTrigger", "function-after[…]"
  UnionMemberReader read;
};

// The first member that reads `field` without errors; when none does, every member's errors
// (each under field.loc() + tag) are recorded on `field` and nullopt is returned. A value
// that is not an object fails every member with model_attributes_type.
std::optional<json::object> read_union(const JsonField& field, const std::vector<UnionMember>& members);

// The field's own error list, a fresh one: for validating a value whose result decides
// something before its errors are reported (a model validator, a union member).
JsonField with_fresh_errors(const JsonField& field);

// A timedelta as float seconds; nullopt (after time_delta_parsing / float_type errors) when
// not one. `non_negative`: pydantic's ge=timedelta(0) ("greater_than_equal", "0 seconds").
std::optional<double> read_timedelta(const JsonField& field, bool non_negative);
// The same without recording anything (a model validator's pre-parse).
std::optional<double> parse_timedelta(const json::value& value);

}  // namespace praetor::core
