#include "runs/work_queue_events.h"

#include "core/json_util.h"
#include "core/uuid.h"
#include "runs/field_changes.h"
#include "runs/resource_labels.h"
#include "store/work_pool_repository.h"

namespace praetor::runs {

namespace json = boost::json;

events::Event work_queue_event(store::Connection& c, std::string name, const json::object& queue, core::Timestamp now) {
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = now;
  e.event = std::move(name);
  e.resource = work_queue_resource(core::string_at(queue, "id"), core::string_at(queue, "name"));
  if (auto pool = store::work_pools::read(c, core::string_at(queue, "work_pool_id"))) e.related.push_back(work_pool_related(*pool));
  return e;
}

std::optional<events::Event> work_queue_updated_event(store::Connection& c, const json::object& before,
                                                      const json::object& after, core::Timestamp now) {
  // WORK_QUEUE_EVENT_FIELDS, in WorkQueueUpdate's field order.
  static constexpr EventField kFields[] = {
      {"name", "name"}, {"description", "description"}, {"concurrency_limit", "concurrency_limit"}, {"priority", "priority"}};
  auto payload = changed_fields(before, after, kFields);
  if (!payload) return std::nullopt;
  auto e = work_queue_event(c, "prefect.work-queue.updated", after, now);
  e.payload = std::move(*payload);
  return e;
}

}  // namespace praetor::runs
