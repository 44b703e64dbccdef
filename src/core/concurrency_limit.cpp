#include "core/concurrency_limit.h"

#include "core/model_fields.h"

namespace praetor::core {

namespace {

void check_name(const JsonField& field) { fields::check_name_pattern(field); }

}  // namespace

const Model& concurrency_limit_v2_model() {
  static const Model kModel{
      .name = "Concurrency Limit",
      .table = "concurrency_limit_v2",
      .filter_key = "",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "active", .type = FieldType::kBoolean, .default_json = "true"},
                 {.name = "name", .type = FieldType::kString, .required = true, .check = check_name},
                 {.name = "limit",
                  .type = FieldType::kInteger,
                  .required = true,
                  .check = fields::check_non_negative_integer},
                 {.name = "active_slots",
                  .type = FieldType::kInteger,
                  .default_json = "0",
                  .check = fields::check_non_negative_integer},
                 {.name = "denied_slots",
                  .type = FieldType::kInteger,
                  .default_json = "0",
                  .check = fields::check_non_negative_integer},
                 {.name = "slot_decay_per_second",
                  .type = FieldType::kNumber,
                  .default_json = "0.0",
                  .check = fields::check_non_negative_number},
                 // The moving average of a slot's occupancy that /decrement samples update.
                 {.name = "avg_slot_occupancy_seconds",
                  .type = FieldType::kNumber,
                  .on_create = false,
                  .on_update = false,
                  .default_json = "2.0"}},
  };
  return kModel;
}

}  // namespace praetor::core
