// The database vacuum (Prefect's services/db_vacuum.py): three passes, each a service of its
// own under its own lease, gated by PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED
// (config/db_vacuum_settings.h):
//   events     every loop_seconds: events past their type's retention override (capped by
//              the events retention period), then all events past that period, with their
//              resources;
//   flow_runs  every loop_seconds: top-level terminal runs whose end_time is past
//              retention_period, with their states, task runs and inputs, then their logs
//              and artifacts;
//   orphans    every orphan_cleanup_loop_seconds: logs and artifacts of flow runs that no
//              longer exist, and artifact collections whose latest artifact is gone.
// Every step is its own short write of at most batch_size rows (store/vacuum_repository.h),
// so other writes queue behind one batch at most, never behind a whole pass; on SQLite each
// batch waits for its group's commit, which paces the vacuum behind the API's writes. A pass
// logs what it deleted as counts only.
#pragma once

#include <atomic>
#include <cstdint>

#include "config/db_vacuum_settings.h"
#include "core/timestamp.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class DbVacuum final : public Service {
 public:
  enum class Pass { kEvents, kFlowRuns, kOrphans };

  // What the last pass deleted (or re-pointed).
  struct Counts {
    int64_t events = 0;
    int64_t event_resources = 0;
    int64_t flow_runs = 0;
    int64_t logs = 0;
    int64_t artifacts = 0;
    int64_t collections_repointed = 0;
    int64_t collections_removed = 0;
  };

  DbVacuum(Pass pass, const config::DbVacuumSettings& settings, store::Database& db, const core::Clock& clock);
  std::string_view name() const override;
  std::chrono::microseconds interval() const override;
  void run_once() override;
  void request_stop() override { stopping_ = true; }
  const Counts& last_counts() const { return counts_; }

 private:
  // Each returns false when the pass must end (a failed write, or stopping).
  bool vacuum_events(const std::optional<std::string>& event_type, double retention_seconds);
  bool vacuum_flow_runs();
  bool delete_rows_of(const std::vector<std::string>& flow_run_ids, bool only_if_run_missing);
  bool vacuum_orphans();
  bool failed(const core::Error& error);

  Pass pass_;
  const config::DbVacuumSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  std::atomic<bool> stopping_{false};
  Counts counts_;
};

}  // namespace praetor::services
