#include "core/flow_run_input.h"

#include "core/model_fields.h"

namespace praetor::core {

namespace {

// The key: lowercase letters, digits and '-' only (raise_on_name_alphanumeric_dashes_only).
void check_key(const JsonField& field) {
  for (char ch : std::string_view(field.value()->get_string())) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
      fields::value_error(field, "value must only contain lowercase letters, numbers, and dashes.");
      return;
    }
  }
}

}  // namespace

const Model& flow_run_input_model() {
  static const Model kModel{
      .name = "FlowRunInput",
      .table = "flow_run_input",
      .filter_key = "",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "flow_run_id", .type = FieldType::kUuid, .on_create = false, .on_update = false},
                 {.name = "key", .type = FieldType::kString, .required = true, .check = check_key},
                 {.name = "value", .type = FieldType::kString, .required = true},
                 {.name = "sender", .type = FieldType::kString}},
      .sorts = {{"CREATED_ASC", "flow_run_input.created ASC"}},
      .default_sort = "CREATED_ASC",
  };
  return kModel;
}

}  // namespace praetor::core
