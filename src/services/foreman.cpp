#include "services/foreman.h"

#include <spdlog/spdlog.h>

#include "runs/readiness_events.h"
#include "store/work_pool_repository.h"

namespace praetor::services {

void Foreman::run_once() {
  auto now = clock_.now();
  auto made = db_.write<std::vector<events::Event>>([&](store::Connection& c) -> core::Result<std::vector<events::Event>> {
    auto stale = store::work_pools::mark_stale(
        c, now,
        {.deployment_after = seconds(settings_.foreman_inactivity_seconds),
         .queue_after = seconds(settings_.foreman_work_queue_inactivity_seconds),
         .heartbeat_multiple = settings_.foreman_inactivity_heartbeat_multiple,
         .fallback_heartbeat_interval = seconds(settings_.foreman_fallback_heartbeat_interval_seconds)});
    return runs::readiness_events(c, stale, now);
  });
  if (!made) {
    log_pass_error("foreman", made.error().message);
    return;
  }
  if (events_ && !made->empty()) events_->publish(std::move(*made));
}

}  // namespace praetor::services
