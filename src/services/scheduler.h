// The scheduler (Prefect's services/scheduler.py): for every unpaused deployment's active
// schedule that has fewer than min_runs future auto-scheduled runs, or whose latest one is
// sooner than now + min_scheduled_time, inserts SCHEDULED runs for the schedule's dates from
// now up to now + max_scheduled_time (at most max_runs, stopping once min_runs dates reach
// now + min_scheduled_time). Each run's idempotency key is
// "scheduled {deployment_id} {schedule_id} {str(date)}", so passes are idempotent.
// Two instances run: the main pass over all deployments (loop_seconds) and the fast pass
// over deployments updated within the last recent-loop + 1 s.
#pragma once

#include <optional>

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "runs/scheduled_runs.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class Scheduler final : public Service {
 public:
  enum class Pass { kAll, kRecent };
  Scheduler(Pass pass, const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
            events::EventBus* events);
  std::string_view name() const override;
  std::chrono::microseconds interval() const override;
  void run_once() override;
  // Runs inserted by the last pass.
  int64_t last_inserted() const { return last_inserted_; }

 private:
  Pass pass_;
  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* events_;
  int64_t last_inserted_ = 0;
};

}  // namespace praetor::services
