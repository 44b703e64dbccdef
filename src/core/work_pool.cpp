#include "core/work_pool.h"

#include "core/json_util.h"

namespace praetor::core {

namespace json = boost::json;

namespace {
json::value optional_string(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(); }
json::value optional_int(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); }
}  // namespace

json::object to_json(const WorkPool& p, std::optional<int64_t> active_slots) {
  json::object storage{{"bundle_upload_step", nullptr}, {"bundle_execution_step", nullptr}};
  for (const auto& kv : p.storage_configuration) storage[kv.key()] = kv.value();
  // Prefect 3.9 always sends default_result_storage_block_id; clients before it (e.g. 3.2)
  // forbid unknown keys in this object and fail on it, and newer ones default it to null.
  // So a null one is left out, keeping older clients' `prefect work-pool create` working.
  if (auto it = storage.find("default_result_storage_block_id"); it != storage.end() && it->value().is_null()) {
    storage.erase(it);
  }
  return json::object{{"id", p.id},
                      {"created", format_timestamp(p.created)},
                      {"updated", format_timestamp(p.updated)},
                      {"name", p.name},
                      {"description", optional_string(p.description)},
                      {"type", p.type},
                      {"base_job_template", p.base_job_template},
                      {"is_paused", p.is_paused},
                      {"concurrency_limit", optional_int(p.concurrency_limit)},
                      {"status", p.is_paused ? std::string("PAUSED") : p.status},
                      {"default_queue_id", optional_string(p.default_queue_id)},
                      {"storage_configuration", std::move(storage)},
                      {"active_slots", optional_int(active_slots)}};
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
