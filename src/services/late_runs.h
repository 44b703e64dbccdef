// Late runs (Prefect's services/late_runs.py): runs still in a state named "Scheduled" whose
// next_scheduled_start_time is more than after_seconds in the past are proposed a Late state
// (SCHEDULED type, the same scheduled_time) through MarkLateRunsPolicy, one write per run: a
// run of a CANCEL_NEW deployment whose concurrency limit is full is cancelled instead
// (EnforceDeploymentConcurrencyOnLate).
#pragma once

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class LateRuns final : public Service {
 public:
  LateRuns(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
           events::EventBus* events);
  std::string_view name() const override { return "late-runs"; }
  std::chrono::microseconds interval() const override { return seconds(settings_.late_runs_loop_seconds); }
  void run_once() override;
  int64_t last_marked() const { return last_marked_; }

 private:
  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* events_;
  int64_t last_marked_ = 0;
};

}  // namespace praetor::services
