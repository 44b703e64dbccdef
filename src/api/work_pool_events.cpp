#include "api/work_pool_events.h"

#include <string>

#include "core/uuid.h"
#include "core/work_queue.h"
#include "runs/work_queue_events.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

json::object pool_resource(const json::object& pool) {
  return json::object{{"prefect.resource.id", "prefect.work-pool." + std::string(pool.at("id").get_string())},
                      {"prefect.resource.name", pool.at("name")},
                      {"prefect.work-pool.type", pool.at("type")},
                      {"prefect.resource.role", "work-pool"}};
}

json::array pool_related(const json::object& pool) {
  json::array related;
  if (const json::value& queue = pool.at("default_queue_id"); queue.is_string()) {
    related.emplace_back(json::object{{"prefect.resource.id", "prefect.work-queue." + std::string(queue.get_string())},
                                      {"prefect.resource.role", "default-queue"}});
  }
  const json::value* block = pool.at("storage_configuration").get_object().if_contains("default_result_storage_block_id");
  if (block && block->is_string() && !block->get_string().empty()) {
    related.emplace_back(
        json::object{{"prefect.resource.id", "prefect.block-document." + std::string(block->get_string())},
                     {"prefect.resource.role", "result-storage"}});
  }
  return related;
}

events::Event pool_event(std::string name, json::object resource, core::Timestamp now) {
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = now;
  e.event = std::move(name);
  e.resource = std::move(resource);
  return e;
}

// A field's value as the event writes it: the storage configuration as its pydantic model
// dumps, every key present.
json::value event_value(std::string_view field, const json::value& v) {
  if (field != "storage_configuration") return v;
  json::object storage{{"bundle_upload_step", nullptr},
                       {"bundle_execution_step", nullptr},
                       {"default_result_storage_block_id", nullptr}};
  for (const auto& kv : v.get_object()) storage[kv.key()] = kv.value();
  return storage;
}

}  // namespace

events::Event work_pool_created_event(const json::object& pool, core::Timestamp now) {
  auto e = pool_event("prefect.work-pool.created", pool_resource(pool), now);
  e.related = pool_related(pool);
  return e;
}

std::vector<events::Event> new_work_pool_events(store::Connection& c, const json::object& pool, core::Timestamp now) {
  std::vector<events::Event> out;
  if (const json::value& queue_id = pool.at("default_queue_id"); queue_id.is_string()) {
    if (auto queue = store::model_rows::find(c, core::work_queue_model(), "id", queue_id.get_string()))
      out.push_back(runs::work_queue_event(c, "prefect.work-queue.created", *queue, now));
  }
  out.push_back(work_pool_created_event(pool, now));
  return out;
}

events::Event work_pool_deleted_event(const json::object& pool, core::Timestamp now) {
  auto e = pool_event("prefect.work-pool.deleted", pool_resource(pool), now);
  e.related = pool_related(pool);
  return e;
}

std::optional<events::Event> work_pool_updated_event(const json::object& before, const json::object& after,
                                                     const json::object& sent, core::Timestamp now) {
  // WORK_POOL_EVENT_FIELDS, in WorkPoolUpdate's field order (the order update_data lists them).
  json::array names;
  json::object updates;
  for (std::string_view field : {"description", "base_job_template", "concurrency_limit", "storage_configuration"}) {
    if (!sent.contains(field)) continue;
    json::value from = event_value(field, before.at(field));
    json::value to = event_value(field, after.at(field));
    if (from == to) continue;
    names.emplace_back(field);
    updates[field] = json::object{{"from", std::move(from)}, {"to", std::move(to)}};
  }
  if (names.empty()) return std::nullopt;
  auto e = pool_event("prefect.work-pool.updated", pool_resource(after), now);
  e.payload = json::object{{"updated_fields", std::move(names)}, {"updates", std::move(updates)}};
  return e;
}

}  // namespace praetor::api
