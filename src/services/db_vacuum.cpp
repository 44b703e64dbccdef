#include "services/db_vacuum.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/registry.h"
#include "store/vacuum_repository.h"

namespace praetor::services {

namespace vacuum = store::vacuum;
using store::Connection;

namespace {

metrics::Family<metrics::Counter>& deleted_rows() {
  return metrics::default_registry().counter("praetor_db_vacuum_deleted_rows_total",
                                             "Rows the database vacuum deleted, by table.", {"table"});
}

void count_deleted(const char* table, int64_t n) {
  if (n > 0) deleted_rows().labels({table}).inc(static_cast<double>(n));
}

}  // namespace

DbVacuum::DbVacuum(Pass pass, const config::DbVacuumSettings& settings, store::Database& db, const core::Clock& clock)
    : pass_(pass), settings_(settings), db_(db), clock_(clock) {}

std::string_view DbVacuum::name() const {
  switch (pass_) {
    case Pass::kEvents: return "db-vacuum-events";
    case Pass::kFlowRuns: return "db-vacuum-flow-runs";
    case Pass::kOrphans: return "db-vacuum-orphans";
  }
  return "db-vacuum";
}

std::chrono::microseconds DbVacuum::interval() const {
  return seconds(pass_ == Pass::kOrphans ? settings_.orphan_cleanup_loop_seconds : settings_.loop_seconds);
}

bool DbVacuum::failed(const core::Error& error) {
  log_pass_error(name(), error.message);
  return false;
}

void DbVacuum::run_once() {
  counts_ = {};
  switch (pass_) {
    case Pass::kEvents: {
      // Overrides first, each capped by the events retention period, then every event type.
      const double global = settings_.events_retention_period_seconds;
      bool ok = true;
      for (const auto& [event_type, retention] : settings_.event_retention_overrides) {
        if (!(ok = vacuum_events(event_type, std::min(retention, global)))) break;
      }
      if (ok) vacuum_events(std::nullopt, global);
      if (counts_.events > 0 || counts_.event_resources > 0) {
        spdlog::info("db vacuum: deleted {} old events and {} event resources", counts_.events,
                     counts_.event_resources);
      }
      break;
    }
    case Pass::kFlowRuns:
      vacuum_flow_runs();
      if (counts_.flow_runs > 0) {
        spdlog::info("db vacuum: deleted {} old flow runs, {} logs and {} artifacts", counts_.flow_runs, counts_.logs,
                     counts_.artifacts);
      }
      break;
    case Pass::kOrphans:
      vacuum_orphans();
      if (counts_.logs > 0 || counts_.artifacts > 0 || counts_.collections_repointed + counts_.collections_removed > 0) {
        spdlog::info(
            "db vacuum: deleted {} orphaned logs and {} orphaned artifacts; reconciled {} stale artifact collections "
            "({} re-pointed, {} removed)",
            counts_.logs, counts_.artifacts, counts_.collections_repointed + counts_.collections_removed,
            counts_.collections_repointed, counts_.collections_removed);
      }
      break;
  }
}

bool DbVacuum::vacuum_events(const std::optional<std::string>& event_type, double retention_seconds) {
  const core::Timestamp cutoff = clock_.now() - seconds(retention_seconds);
  while (!stopping_) {
    auto batch = db_.write<vacuum::EventsDeleted>([&](Connection& c) -> core::Result<vacuum::EventsDeleted> {
      return vacuum::delete_old_events(c, cutoff, event_type, settings_.batch_size);
    });
    if (!batch) return failed(batch.error());
    counts_.events += batch->events;
    counts_.event_resources += batch->resources;
    count_deleted("event", batch->events);
    count_deleted("event_resource", batch->resources);
    if (batch->events < settings_.batch_size) return true;
  }
  return false;
}

bool DbVacuum::vacuum_flow_runs() {
  const core::Timestamp cutoff = clock_.now() - seconds(settings_.retention_period_seconds);
  while (!stopping_) {
    auto ids = db_.write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
      return vacuum::delete_old_flow_runs(c, cutoff, settings_.batch_size);
    });
    if (!ids) return failed(ids.error());
    if (ids->empty()) return true;
    counts_.flow_runs += static_cast<int64_t>(ids->size());
    count_deleted("flow_run", static_cast<int64_t>(ids->size()));
    // The runs are gone; their logs and artifacts follow in batches of their own. Should
    // this stop halfway, the orphan pass finds the rest.
    if (!delete_rows_of(*ids, false)) return false;
  }
  return false;
}

bool DbVacuum::delete_rows_of(const std::vector<std::string>& flow_run_ids, bool only_if_run_missing) {
  for (auto child : {vacuum::RunChild::kLog, vacuum::RunChild::kArtifact}) {
    std::size_t next = 0;
    while (next < flow_run_ids.size()) {
      if (stopping_) return false;
      auto n = db_.write<int64_t>([&](Connection& c) -> core::Result<int64_t> {
        return vacuum::delete_rows_of_flow_runs(c, child, flow_run_ids, next, settings_.batch_size,
                                                only_if_run_missing);
      });
      if (!n) return failed(n.error());
      (child == vacuum::RunChild::kLog ? counts_.logs : counts_.artifacts) += *n;
      count_deleted(vacuum::table_name(child), *n);
    }
  }
  return true;
}

bool DbVacuum::vacuum_orphans() {
  // Walk the distinct flow_run_ids of each table a slice at a time (one bounded read of its
  // index each), deleting the rows of those that name no flow run.
  for (auto child : {vacuum::RunChild::kLog, vacuum::RunChild::kArtifact}) {
    std::string cursor;
    while (true) {
      if (stopping_) return false;
      std::vector<std::string> slice;
      auto missing = db_.read<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
        slice = vacuum::referenced_flow_run_ids(c, child, cursor, settings_.batch_size);
        return vacuum::missing_flow_runs(c, slice);
      });
      if (!missing) return failed(missing.error());
      if (slice.empty()) break;
      cursor = slice.back();
      std::size_t next = 0;
      while (next < missing->size()) {
        if (stopping_) return false;
        auto n = db_.write<int64_t>([&](Connection& c) -> core::Result<int64_t> {
          return vacuum::delete_rows_of_flow_runs(c, child, *missing, next, settings_.batch_size, true);
        });
        if (!n) return failed(n.error());
        (child == vacuum::RunChild::kLog ? counts_.logs : counts_.artifacts) += *n;
        count_deleted(vacuum::table_name(child), *n);
      }
    }
  }
  while (!stopping_) {
    auto done = db_.write<vacuum::CollectionsReconciled>(
        [&](Connection& c) -> core::Result<vacuum::CollectionsReconciled> {
          return vacuum::reconcile_stale_artifact_collections(c, settings_.batch_size);
        });
    if (!done) return failed(done.error());
    counts_.collections_repointed += done->repointed;
    counts_.collections_removed += done->removed;
    count_deleted("artifact_collection", done->removed);
    if (done->repointed + done->removed < settings_.batch_size) return true;
  }
  return false;
}

}  // namespace praetor::services
