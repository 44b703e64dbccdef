#include "core/work_pool.h"

#include <cctype>

#include "core/json_util.h"
#include "core/model_fields.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

json::value optional_string(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(); }
json::value optional_int(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); }

std::optional<std::string> string_or_null(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return std::string(v.get_string());
}

Timestamp timestamp_of(const json::value& v) { return parse_timestamp(v.get_string()).value_or(Timestamp{}); }

}  // namespace

const Model& work_pool_model() {
  static const Model kModel{
      .name = "Work Pool",
      .table = "work_pool",
      .filter_key = "work_pools",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "name",
                  .type = FieldType::kString,
                  .on_update = false,
                  .required = true,
                  .check = fields::check_non_emptyish_name},
                 {.name = "description", .type = FieldType::kString, .null_on_update = true},
                 {.name = "type", .type = FieldType::kString, .on_update = false, .default_json = "\"prefect-agent\""},
                 {.name = "base_job_template", .type = FieldType::kDict, .default_json = "{}"},
                 {.name = "is_paused", .type = FieldType::kBoolean, .default_json = "false"},
                 {.name = "concurrency_limit",
                  .type = FieldType::kInteger,
                  .null_on_update = true,
                  .check = fields::check_non_negative_integer},
                 {.name = "status",
                  .type = FieldType::kString,
                  .on_create = false,
                  .on_update = false,
                  .default_json = "\"NOT_READY\""},
                 {.name = "default_queue_id", .type = FieldType::kUuid, .on_create = false, .on_update = false},
                 {.name = "storage_configuration", .type = FieldType::kDict, .default_json = "{}"}},
  };
  return kModel;
}

bool reserved_work_pool_name(std::string_view name) {
  constexpr std::string_view kPrefix = "prefect";
  if (name.size() < kPrefix.size()) return false;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != kPrefix[i]) return false;
  }
  return true;
}

json::object work_pool_response(const json::object& stored, std::optional<int64_t> active_slots) {
  json::object out = to_response(work_pool_model(), stored);
  if (const json::value& paused = out.at("is_paused"); paused.is_bool() && paused.get_bool()) out["status"] = "PAUSED";
  json::object storage{{"bundle_upload_step", nullptr}, {"bundle_execution_step", nullptr}};
  for (const auto& kv : out.at("storage_configuration").get_object()) storage[kv.key()] = kv.value();
  // Prefect 3.9 always sends default_result_storage_block_id; clients before it (e.g. 3.2)
  // forbid unknown keys in this object and fail on it, and newer ones default it to null.
  // So a null one is left out, keeping older clients' `prefect work-pool create` working.
  if (auto it = storage.find("default_result_storage_block_id"); it != storage.end() && it->value().is_null()) {
    storage.erase(it);
  }
  out["storage_configuration"] = std::move(storage);
  out["active_slots"] = optional_int(active_slots);
  return out;
}

WorkPool work_pool_from(const json::object& stored) {
  WorkPool p;
  p.id = stored.at("id").get_string();
  p.created = timestamp_of(stored.at("created"));
  p.updated = timestamp_of(stored.at("updated"));
  p.name = stored.at("name").get_string();
  p.description = string_or_null(stored.at("description"));
  p.type = stored.at("type").get_string();
  p.base_job_template = stored.at("base_job_template").get_object();
  p.is_paused = stored.at("is_paused").get_bool();
  if (const json::value& limit = stored.at("concurrency_limit"); !limit.is_null()) {
    p.concurrency_limit = limit.to_number<int64_t>();
  }
  p.status = stored.at("status").get_string();
  p.default_queue_id = string_or_null(stored.at("default_queue_id"));
  p.storage_configuration = stored.at("storage_configuration").get_object();
  return p;
}

json::object to_object(const WorkPool& p) {
  return json::object{{"id", p.id},
                      {"created", format_timestamp(p.created)},
                      {"updated", format_timestamp(p.updated)},
                      {"name", p.name},
                      {"description", optional_string(p.description)},
                      {"type", p.type},
                      {"base_job_template", p.base_job_template},
                      {"is_paused", p.is_paused},
                      {"concurrency_limit", optional_int(p.concurrency_limit)},
                      {"status", p.status},
                      {"default_queue_id", optional_string(p.default_queue_id)},
                      {"storage_configuration", p.storage_configuration}};
}

json::object to_json(const Worker& w) {
  return json::object{{"id", w.id},
                      {"created", format_timestamp(w.created)},
                      {"updated", format_timestamp(w.updated)},
                      {"name", w.name},
                      {"work_pool_id", w.work_pool_id},
                      {"last_heartbeat_time", format_timestamp(w.last_heartbeat_time)},
                      {"heartbeat_interval_seconds", optional_int(w.heartbeat_interval_seconds)},
                      {"status", w.status}};
}

}  // namespace praetor::core
