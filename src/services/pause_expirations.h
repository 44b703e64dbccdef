// Pause expirations (Prefect's services/pause_expirations.py): a Paused run whose state's
// pause_timeout has passed is forced to Failed ("The flow was paused and never resumed."),
// one write per run, each re-checking the run's current state under the write.
#pragma once

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class PauseExpirations final : public Service {
 public:
  PauseExpirations(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
                   events::EventBus* events);
  std::string_view name() const override { return "pause-expirations"; }
  std::chrono::microseconds interval() const override { return seconds(settings_.pause_expirations_loop_seconds); }
  void run_once() override;
  int64_t last_failed() const { return last_failed_; }

 private:
  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* events_;
  int64_t last_failed_ = 0;
};

}  // namespace praetor::services
