#include "services/scheduler.h"

#include <spdlog/spdlog.h>

#include "runs/scheduled_runs.h"
#include "store/deployment_repository.h"

namespace praetor::services {

namespace json = boost::json;
using core::Timestamp;

namespace {

// The scheduler's window at `now`: from now to now + max_scheduled_time.
runs::ScheduleWindow window_at(const config::ServiceSettings& s, Timestamp now) {
  runs::ScheduleWindow w;
  w.start = now;
  w.end = now + seconds(s.scheduler_max_scheduled_time_seconds);
  w.min_time = seconds(s.scheduler_min_scheduled_time_seconds);
  w.min_runs = s.scheduler_min_runs;
  w.max_runs = s.scheduler_max_runs;
  return w;
}

}  // namespace

Scheduler::Scheduler(Pass pass, const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
                     events::EventBus* events)
    : pass_(pass), settings_(settings), db_(db), clock_(clock), events_(events) {}

std::string_view Scheduler::name() const { return pass_ == Pass::kAll ? "scheduler" : "scheduler-recent-deployments"; }

std::chrono::microseconds Scheduler::interval() const {
  return seconds(pass_ == Pass::kAll ? settings_.scheduler_loop_seconds
                                     : settings_.scheduler_recent_deployments_loop_seconds);
}

void Scheduler::run_once() {
  last_inserted_ = 0;
  Timestamp now = clock_.now();
  std::optional<Timestamp> since;
  if (pass_ == Pass::kRecent) since = now - seconds(settings_.scheduler_recent_deployments_loop_seconds + 1);
  std::string cursor;
  for (;;) {
    auto batch = db_.read<std::vector<store::deployments::ScheduleWork>>(
        [&](store::Connection& c) -> core::Result<std::vector<store::deployments::ScheduleWork>> {
          return store::deployments::schedules_to_run(c, cursor, settings_.scheduler_deployment_batch_size, since);
        });
    if (!batch) {
      log_pass_error(name(), batch.error().message);
      return;
    }
    if (batch->empty()) return;
    cursor = batch->back().deployment.id;
    std::vector<events::Event> published;
    auto inserted = db_.write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
      int64_t n = 0;
      for (const auto& work : *batch) {
        auto summary = store::deployments::scheduled_summary(c, work.deployment.id, work.schedule.id, now);
        bool needs_runs = summary.count < settings_.scheduler_min_runs || !summary.latest ||
                          *summary.latest < now + seconds(settings_.scheduler_min_scheduled_time_seconds);
        if (!needs_runs) continue;
        auto made = runs::insert_scheduled_runs(c, work.deployment, work.schedule, window_at(settings_, now), now,
                                                published);
        if (!made) {
          if (made.error().kind != core::ErrorKind::kInvalid) return made.error();
          spdlog::warn("scheduler: {}", made.error().message);
          continue;
        }
        n += *made;
      }
      return n;
    });
    if (!inserted) {
      log_pass_error(name(), inserted.error().message);
      return;
    }
    last_inserted_ += *inserted;
    if (events_ && !published.empty()) events_->publish(std::move(published));
  }
}

}  // namespace praetor::services
