#include "core/automation.h"

#include "core/model_fields.h"

namespace praetor::core {

const Model& automation_model() {
  namespace leaf = filter_leaf;
  // Field order is the order of Prefect's response: AutomationCore's fields, then the ORM's.
  static const Model kModel{
      .name = "Automation",
      .table = "automation",
      .filter_key = "automations",
      .fields = {{.name = "name", .type = FieldType::kString, .required = true, .filter = leaf::kAny},
                 {.name = "description", .type = FieldType::kString, .default_json = "\"\""},
                 {.name = "enabled", .type = FieldType::kBoolean, .default_json = "true"},
                 {.name = "tags",
                  .type = FieldType::kStringList,
                  .default_json = "[]",
                  .filter = leaf::kAll | leaf::kAny | leaf::kIsNull,
                  .filter_operator = true},
                 {.name = "trigger", .type = FieldType::kDict, .required = true},
                 {.name = "actions", .type = FieldType::kList, .required = true},
                 {.name = "actions_on_trigger", .type = FieldType::kList, .default_json = "[]"},
                 {.name = "actions_on_resolve", .type = FieldType::kList, .default_json = "[]"},
                 fields::id(),
                 {.name = "created",
                  .type = FieldType::kTimestamp,
                  .on_create = false,
                  .on_update = false,
                  .filter = leaf::kBeforeAfter},
                 fields::updated()},
      .sorts = {{"CREATED_DESC", "automation.created DESC"},
                {"UPDATED_DESC", "automation.updated DESC"},
                {"NAME_ASC", "automation.name ASC"},
                {"NAME_DESC", "automation.name DESC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

}  // namespace praetor::core
