#include "api/deployment_support.h"

#include "core/uuid.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace {

core::WorkQueue new_queue(const std::string& pool_id, const std::string& name, core::Timestamp now) {
  core::WorkQueue q;
  q.id = core::new_uuid4();
  q.created = q.updated = now;
  q.name = name;
  q.work_pool_id = pool_id;
  return q;
}

}  // namespace

core::Result<core::WorkQueue> resolve_work_queue(store::Connection& c, const std::string& pool_name,
                                                 const std::optional<std::string>& queue_name, bool create,
                                                 core::Timestamp now) {
  auto pool = store::work_pools::read_by_name(c, pool_name);
  if (!pool) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
  if (!queue_name) {
    if (!pool->default_queue_id) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
    auto q = store::work_pools::read_queue(c, *pool->default_queue_id);
    if (!q) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
    return std::move(*q);
  }
  if (auto q = store::work_pools::read_queue_by_name(c, pool->id, *queue_name)) return std::move(*q);
  if (!create) return core::Error::not_found("Work pool queue '" + pool_name + "/" + *queue_name + "' not found.");
  auto created = store::work_pools::create_queue(c, new_queue(pool->id, *queue_name, now), false);
  if (!created) return core::Error::internal("work queue vanished during create");
  return std::move(*created);
}

core::WorkQueue ensure_default_agent_queue(store::Connection& c, const std::string& queue_name, core::Timestamp now) {
  constexpr const char* kPool = "default-agent-pool";
  auto pool = store::work_pools::read_by_name(c, kPool);
  if (!pool) {
    core::WorkPool p;
    p.id = core::new_uuid4();
    p.created = p.updated = now;
    p.name = kPool;
    p.type = "prefect-agent";
    pool = store::work_pools::create(c, p, core::new_uuid4());
  }
  if (auto q = store::work_pools::read_queue_by_name(c, pool->id, queue_name)) return std::move(*q);
  return *store::work_pools::create_queue(c, new_queue(pool->id, queue_name, now), false);
}

}  // namespace praetor::api
