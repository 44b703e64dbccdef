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
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    if (!ok) {
      fields::value_error(field, "Variable name must only contain lowercase letters, numbers, and dashes or underscores.");
      return;
    }
  }
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
                 {.name = "name",
                  .type = FieldType::kString,
                  .required = true,
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
