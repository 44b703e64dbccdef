#include "runs/readiness_events.h"

#include <string>

#include "core/uuid.h"
#include "runs/deployment_events.h"
#include "runs/resource_labels.h"
#include "store/deployment_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::runs {

namespace json = boost::json;

namespace {

// READY → ready, NOT_READY → not-ready, PAUSED → paused (Prefect's in_kebab_case).
std::string kebab(std::string status) {
  for (auto& ch : status) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return status;
}

events::Event status_event(const std::string& kind, const std::string& status, json::object resource,
                           core::Timestamp now) {
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = now;
  e.event = "prefect." + kind + "." + kebab(status);
  e.resource = std::move(resource);
  return e;
}

std::optional<events::Event> pool_event(store::Connection& c, const std::string& id, core::Timestamp now) {
  auto pool = store::work_pools::read(c, id);
  if (!pool) return std::nullopt;
  return status_event("work-pool", core::shown_status(pool->is_paused, pool->status),
                      {{"prefect.resource.id", "prefect.work-pool." + pool->id},
                       {"prefect.resource.name", pool->name},
                       {"prefect.work-pool.type", pool->type}},
                      now);
}

std::optional<events::Event> queue_event(store::Connection& c, const std::string& id, core::Timestamp now) {
  auto queue = store::work_pools::read_queue(c, id);
  if (!queue) return std::nullopt;
  auto e = status_event("work-queue", core::shown_status(queue->is_paused, queue->status),
                        work_queue_resource(queue->id, queue->name), now);
  if (auto pool = store::work_pools::read(c, queue->work_pool_id)) e.related.push_back(work_pool_related(*pool));
  return e;
}

std::optional<events::Event> deployment_status_event(store::Connection& c, const std::string& id, core::Timestamp now) {
  auto d = store::deployments::read(c, id);
  if (!d) return std::nullopt;
  return deployment_event(c, "prefect.deployment." + kebab(d->status), *d, now);
}

}  // namespace

std::vector<events::Event> readiness_events(store::Connection& c, const store::StatusChanges& changed,
                                            core::Timestamp now) {
  std::vector<events::Event> out;
  for (const auto& id : changed.work_pools)
    if (auto e = pool_event(c, id, now)) out.push_back(std::move(*e));
  for (const auto& id : changed.work_queues)
    if (auto e = queue_event(c, id, now)) out.push_back(std::move(*e));
  for (const auto& id : changed.deployments)
    if (auto e = deployment_status_event(c, id, now)) out.push_back(std::move(*e));
  return out;
}

}  // namespace praetor::runs
