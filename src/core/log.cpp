#include "core/log.h"

#include "core/model_fields.h"

namespace praetor::core {

const Model& log_model() {
  namespace leaf = filter_leaf;
  static const Model kModel{
      .name = "Log",
      .table = "log",
      .filter_key = "logs",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "name", .type = FieldType::kString, .on_update = false, .required = true},
                 {.name = "level", .type = FieldType::kInteger, .on_update = false, .required = true,
                  .filter = leaf::kGeLe},
                 {.name = "message", .type = FieldType::kString, .on_update = false, .required = true},
                 {.name = "timestamp", .type = FieldType::kTimestamp, .on_update = false, .required = true,
                  .filter = leaf::kBeforeAfter},
                 {.name = "flow_run_id", .type = FieldType::kUuid, .on_update = false, .filter = leaf::kAny},
                 {.name = "task_run_id", .type = FieldType::kUuid, .on_update = false,
                  .filter = leaf::kAny | leaf::kIsNull},
                 {.name = "worker_id", .type = FieldType::kUuid, .on_update = false, .in_response = false}},
      .sorts = {{"TIMESTAMP_ASC", "log.timestamp ASC"}, {"TIMESTAMP_DESC", "log.timestamp DESC"}},
      .default_sort = "TIMESTAMP_ASC",
  };
  return kModel;
}

}  // namespace praetor::core
