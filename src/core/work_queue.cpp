#include "core/work_queue.h"

#include "core/model_fields.h"
#include "core/uuid.h"

namespace praetor::core {

namespace {

void check_name(const JsonField& field) { fields::check_name_pattern(field); }

// pydantic's PositiveInteger (gt=0).
void check_positive_integer(const JsonField& field) {
  if (auto v = field.integer(); v && *v <= 0) {
    field.error("greater_than", "Input should be greater than 0", boost::json::object{{"gt", 0}});
  }
}

}  // namespace

const Model& work_queue_model() {
  static const Model kModel{
      .name = "Work Queue",
      .table = "work_queue",
      .filter_key = "",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 // WorkQueueUpdate.name is a plain Optional[str]: only creates check the pattern.
                 // An update's null name, description or priority is written and the NOT NULL
                 // column refuses it (Prefect's 409); a null concurrency_limit clears it.
                 {.name = "name",
                  .type = FieldType::kString,
                  .required = true,
                  .null_on_update = true,
                  .check = check_name,
                  .check_on_update = false},
                 {.name = "description", .type = FieldType::kString, .null_on_update = true, .default_json = "\"\""},
                 {.name = "is_paused", .type = FieldType::kBoolean, .default_json = "false"},
                 {.name = "concurrency_limit",
                  .type = FieldType::kInteger,
                  .null_on_update = true,
                  .check = fields::check_non_negative_integer},
                 {.name = "priority", .type = FieldType::kInteger, .null_on_update = true, .check = check_positive_integer},
                 {.name = "work_pool_id", .type = FieldType::kUuid, .on_create = false, .on_update = false},
                 {.name = "last_polled", .type = FieldType::kTimestamp, .on_create = false, .on_update = false},
                 {.name = "status",
                  .type = FieldType::kString,
                  .on_create = false,
                  .on_update = false,
                  .default_json = "\"NOT_READY\""}},
  };
  return kModel;
}

boost::json::object new_work_queue(std::string_view pool_id, std::string_view name, Timestamp now) {
  boost::json::object q;
  for (const auto& f : work_queue_model().fields) q[f.name] = boost::json::parse(f.default_json);
  auto stamp = format_timestamp(now);
  q["id"] = new_uuid4();
  q["created"] = stamp;
  q["updated"] = stamp;
  q["name"] = name;
  q["work_pool_id"] = pool_id;
  return q;
}

}  // namespace praetor::core
