// Settings of the database vacuum (retention) service, under Prefect 3.9.1's names
// (settings/models/server/services.py ServerServicesDBVacuumSettings, and the events
// retention period of settings/models/server/events.py), read from the environment as
// load_settings reads the rest. An invalid value is an error naming the variable.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/environment.h"
#include "core/result.h"

namespace praetor::config {

struct DbVacuumSettings {
  // PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED resolved to Prefect's enabled_vacuum_types:
  // a comma-separated (or JSON list) set of events, flow_runs, orphans; "true"/"1" means
  // events and flow_runs, "false"/"0"/"" means events; flow_runs implies orphans.
  bool events = true;
  bool flow_runs = false;
  bool orphans = false;
  double loop_seconds = 3600;                   // …_DB_VACUUM_LOOP_SECONDS (> 0)
  double orphan_cleanup_loop_seconds = 86400;   // …_DB_VACUUM_ORPHAN_CLEANUP_LOOP_SECONDS (> 0)
  // Flow runs whose end_time is older than this go (…_DB_VACUUM_RETENTION_PERIOD, > 1 hour).
  double retention_period_seconds = 90 * 86400.0;
  int64_t batch_size = 200;                     // …_DB_VACUUM_BATCH_SIZE: rows per transaction (> 0)
  // …_DB_VACUUM_EVENT_RETENTION_OVERRIDES: a JSON object of event type → seconds (each > 0),
  // each capped by the events retention period. Setting it replaces the default whole.
  std::vector<std::pair<std::string, double>> event_retention_overrides = {{"prefect.flow-run.heartbeat", 7 * 86400.0}};
  // PREFECT_SERVER_EVENTS_RETENTION_PERIOD (or PREFECT_EVENTS_RETENTION_PERIOD): events
  // whose `occurred` is older than this go.
  double events_retention_period_seconds = 7 * 86400.0;
};

core::Result<DbVacuumSettings> load_db_vacuum_settings(const Getenv& getenv);

// A pydantic timedelta: seconds ("90", "1.5"), an ISO 8601 duration ("P7D", "PT1H"), or
// "[D day[s][,]] [[HH:]MM:]SS[.f]" ("1 day, 01:00:00", "36:00:00", "2 days", "1d").
std::optional<double> parse_timedelta_seconds(const std::string& text);

}  // namespace praetor::config
