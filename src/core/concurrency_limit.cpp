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
      // ConcurrencyLimitV2Update's fields are all Optional: an explicit null is written and
      // the NOT NULL column refuses it, Prefect's 409.
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "active", .type = FieldType::kBoolean, .null_on_update = true, .default_json = "true"},
                 {.name = "name", .type = FieldType::kString, .required = true, .null_on_update = true, .check = check_name},
                 {.name = "limit",
                  .type = FieldType::kInteger,
                  .required = true,
                  .null_on_update = true,
                  .check = fields::check_non_negative_integer},
                 {.name = "active_slots",
                  .type = FieldType::kInteger,
                  .null_on_update = true,
                  .default_json = "0",
                  .check = fields::check_non_negative_integer},
                 {.name = "denied_slots",
                  .type = FieldType::kInteger,
                  .null_on_update = true,
                  .default_json = "0",
                  .check = fields::check_non_negative_integer},
                 {.name = "slot_decay_per_second",
                  .type = FieldType::kNumber,
                  .null_on_update = true,
                  .default_json = "0.0",
                  .check = fields::check_non_negative_number},
                 // The moving average of a slot's occupancy that /decrement samples update.
                 {.name = "avg_slot_occupancy_seconds",
                  .type = FieldType::kNumber,
                  .on_create = false,
                  .on_update = false,
                  .default_json = "2.0"}},
      .forbid_extra = true,
  };
  return kModel;
}

}  // namespace praetor::core
