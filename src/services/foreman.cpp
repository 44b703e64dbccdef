#include "services/foreman.h"

#include <spdlog/spdlog.h>

#include "store/work_pool_repository.h"

namespace praetor::services {

void Foreman::run_once() {
  auto now = clock_.now();
  auto changed = db_.write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
    return store::work_pools::mark_stale(c, now, seconds(settings_.foreman_inactivity_seconds));
  });
  if (!changed) log_pass_error("foreman", changed.error().message);
}

}  // namespace praetor::services
