#include "api/work_queue_response.h"

#include "store/work_pool_repository.h"

namespace praetor::api {

boost::json::object work_queue_json(store::Connection& c, const core::WorkQueue& q) {
  std::optional<int64_t> active;
  if (q.concurrency_limit) active = store::work_pools::queue_active_runs(c, q.id);
  return core::to_json(q, active);
}

core::Result<Response> work_queue_response(
    ApiContext& ctx, const std::function<core::Result<core::WorkQueue>(store::Connection&)>& find) {
  auto out = ctx.db.read<boost::json::object>([&](store::Connection& c) -> core::Result<boost::json::object> {
    auto q = find(c);
    if (!q) return q.error();
    return work_queue_json(c, *q);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace praetor::api
