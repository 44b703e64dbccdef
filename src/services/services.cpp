#include "services/services.h"

#include "services/cancellation_cleanup.h"
#include "services/db_vacuum.h"
#include "services/foreman.h"
#include "services/late_runs.h"
#include "services/pause_expirations.h"
#include "services/repossessor.h"
#include "services/scheduler.h"

namespace praetor::services {

void add_enabled_services(ServiceRunner& runner, const config::ServiceSettings& settings, store::Database& db,
                          const core::Clock& clock, events::EventBus* events) {
  if (settings.scheduler_enabled) {
    runner.add(std::make_unique<Scheduler>(Scheduler::Pass::kAll, settings, db, clock, events));
    runner.add(std::make_unique<Scheduler>(Scheduler::Pass::kRecent, settings, db, clock, events));
  }
  if (settings.late_runs_enabled) runner.add(std::make_unique<LateRuns>(settings, db, clock, events));
  if (settings.foreman_enabled) runner.add(std::make_unique<Foreman>(settings, db, clock, events));
  if (settings.cancellation_cleanup_enabled) {
    runner.add(std::make_unique<CancellationCleanup>(settings, db, clock, events));
  }
  if (settings.pause_expirations_enabled) runner.add(std::make_unique<PauseExpirations>(settings, db, clock, events));
  if (settings.repossessor_enabled) runner.add(std::make_unique<Repossessor>(settings, db, clock));
  // Event vacuum also needs the event persister on, which Praetor always runs.
  if (settings.db_vacuum.events) runner.add(std::make_unique<DbVacuum>(DbVacuum::Pass::kEvents, settings.db_vacuum, db, clock));
  if (settings.db_vacuum.flow_runs) {
    runner.add(std::make_unique<DbVacuum>(DbVacuum::Pass::kFlowRuns, settings.db_vacuum, db, clock));
  }
  if (settings.db_vacuum.orphans) {
    runner.add(std::make_unique<DbVacuum>(DbVacuum::Pass::kOrphans, settings.db_vacuum, db, clock));
  }
}

}  // namespace praetor::services
