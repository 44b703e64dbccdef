// Foreman (Prefect's services/foreman.py): workers whose last heartbeat is older than three
// heartbeat intervals (30 s when unknown) go OFFLINE; unpaused pools without an ONLINE worker
// go NOT_READY; work queues and deployments not polled within the timeout go NOT_READY.
// Each change is published as Prefect's status event (runs/readiness_events.h).
#pragma once

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class Foreman final : public Service {
 public:
  // `events` (may be null: no events) must outlive the service.
  Foreman(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
          events::EventBus* events)
      : settings_(settings), db_(db), clock_(clock), events_(events) {}
  std::string_view name() const override { return "foreman"; }
  std::chrono::microseconds interval() const override { return seconds(settings_.foreman_loop_seconds); }
  void run_once() override;

 private:
  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* events_;
};

}  // namespace praetor::services
