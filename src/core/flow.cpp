#include "core/flow.h"

#include "core/model_fields.h"
#include "core/uuid.h"

namespace praetor::core {

namespace {

void check_name(const JsonField& field) { fields::check_name_pattern(field); }

}  // namespace

const Model& flow_model() {
  static const Model kModel{
      .name = "Flow",
      .table = "flow",
      .filter_key = "",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "name", .type = FieldType::kString, .on_update = false, .required = true, .check = check_name},
                 {.name = "tags", .type = FieldType::kStringList, .default_json = "[]"},
                 {.name = "labels", .type = FieldType::kDict, .on_update = false, .default_json = "{}"}},
  };
  return kModel;
}

boost::json::object new_flow(std::string_view name, Timestamp now) {
  auto stamp = format_timestamp(now);
  return {{"id", new_uuid4()}, {"created", stamp}, {"updated", stamp}, {"name", name},
          {"tags", boost::json::array()}, {"labels", boost::json::object()}};
}

}  // namespace praetor::core
