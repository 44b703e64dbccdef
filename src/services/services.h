// The server's background services, built from the settings (each on/off under Prefect's
// names): scheduler (main and recent-deployments passes), late runs, foreman, cancellation
// cleanup, pause expirations, repossessor, database vacuum.
#pragma once

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "services/service_runner.h"
#include "store/database.h"

namespace praetor::services {

void add_enabled_services(ServiceRunner& runner, const config::ServiceSettings& settings, store::Database& db,
                          const core::Clock& clock, events::EventBus* events);

}  // namespace praetor::services
