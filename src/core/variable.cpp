#include "core/variable.h"

#include "core/json_util.h"
#include "core/model_fields.h"

namespace praetor::core {

namespace {

// VariableName: at most 255 characters (pydantic's too_long, checked before the pattern),
// then lowercase letters, digits, '-' and '_' only.
void check_name(const JsonField& field) {
  const std::string& name = field.value()->get_string().c_str();
  if (name.size() > kMaxVariableNameLength) {
    field.error("too_long",
                "Value should have at most " + std::to_string(kMaxVariableNameLength) +
                    " items after validation, not " + std::to_string(name.size()),
                json::object{{"field_type", "Value"},
                             {"max_length", kMaxVariableNameLength},
                             {"actual_length", name.size()}});
    return;
  }
  fields::check_lowercase_key(field, "Variable name", true);
}

// StrictVariableValue: any JSON value whose serialised form has at most 5000 characters.
void check_value(const JsonField& field) {
  if (!field.set()) return;
  if (to_json_text(*field.value()).size() > kMaxVariableValueLength) {
    fields::value_error(field, "Variable value must be less than " + std::to_string(kMaxVariableValueLength) +
                                   " characters");
  }
}

}  // namespace

const Model& variable_model() {
  namespace leaf = filter_leaf;
  static const Model kModel{
      .name = "Variable",
      .table = "variable",
      .filter_key = "variables",
      .fields = {fields::id(),
                 fields::created(),
                 fields::updated(),
                 // VariableUpdate.name is Optional: an explicit null is written and the NOT
                 // NULL column refuses it (Prefect's 409).
                 {.name = "name",
                  .type = FieldType::kString,
                  .required = true,
                  .null_on_update = true,
                  .filter = leaf::kAny | leaf::kLike,
                  .check = check_name},
                 {.name = "value", .type = FieldType::kAny, .required = true, .check = check_value},
                 fields::tags()},
      .sorts = {{"CREATED_DESC", "variable.created DESC"},
                {"UPDATED_DESC", "variable.updated DESC"},
                {"NAME_DESC", "variable.name DESC"},
                {"NAME_ASC", "variable.name ASC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

}  // namespace praetor::core
