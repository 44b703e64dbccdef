// Fields most models share, so a model declares them by name instead of spelling them out.
#pragma once

#include "core/model.h"

namespace praetor::core::fields {

// The server-set id, filterable by `any_` (and `not_any_` when `not_any`).
inline Field id(unsigned leaves = filter_leaf::kAny) {
  return {.name = "id", .type = FieldType::kUuid, .on_create = false, .on_update = false, .filter = leaves};
}
inline Field created() {
  return {.name = "created", .type = FieldType::kTimestamp, .on_create = false, .on_update = false};
}
inline Field updated() {
  return {.name = "updated", .type = FieldType::kTimestamp, .on_create = false, .on_update = false};
}
// `tags: list[str] = []`, filterable by all_ and is_null_ (an operator sub-filter).
inline Field tags() {
  return {.name = "tags",
          .type = FieldType::kStringList,
          .default_json = "[]",
          .filter = filter_leaf::kAll | filter_leaf::kIsNull,
          .filter_operator = true};
}

// A value_error entry as pydantic writes a failed validator's ValueError.
void value_error(const JsonField& field, std::string_view message);

// Prefect's name rules for keys: lowercase letters, digits, '-' (and '_' when allowed).
// On a violation records value_error("<what> must only contain lowercase letters, numbers,
// and dashes[ or underscores].") and returns false.
bool check_lowercase_key(const JsonField& field, std::string_view what, bool underscores);

// Prefect's `Name`: no '/', '%', '&', '>' or '<' (pydantic's string_pattern_mismatch).
// Returns false after recording the error.
bool check_name_pattern(const JsonField& field);
// Prefect's `NonEmptyishName` (work pools): not only spaces and quotes ("name cannot be an
// empty string", checked first, as its BeforeValidator runs before the pattern), then `Name`.
void check_non_emptyish_name(const JsonField& field);

// pydantic's NonNegativeInteger and NonNegativeFloat (ge=0): "greater_than_equal" below 0.
void check_non_negative_integer(const JsonField& field);
void check_non_negative_number(const JsonField& field);

}  // namespace praetor::core::fields
