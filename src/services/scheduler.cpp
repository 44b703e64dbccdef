#include "services/scheduler.h"

#include <spdlog/spdlog.h>

#include "runs/flow_run_creation.h"
#include "core/slug.h"
#include "core/uuid.h"
#include "schedules/schedule_json.h"
#include "store/deployment_repository.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"

namespace praetor::services {

namespace json = boost::json;
using core::Timestamp;

std::string python_utc_str(Timestamp t) {
  std::string iso = core::format_timestamp(t);  // 2026-08-21T12:00:00.123456Z
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  auto tpos = iso.find('T');
  if (tpos != std::string::npos) iso[tpos] = ' ';
  auto dot = iso.find('.');
  if (dot != std::string::npos) {
    std::string frac = iso.substr(dot + 1);
    if (frac.find_first_not_of('0') == std::string::npos) {
      iso.erase(dot);
    } else {
      frac.resize(6, '0');
      iso = iso.substr(0, dot + 1) + frac;
    }
  }
  return iso + "+00:00";
}

namespace {

const char* schedule_class(const json::value& schedule) {
  if (const auto* o = schedule.if_object()) {
    if (o->contains("interval")) return "IntervalSchedule";
    if (o->contains("cron")) return "CronSchedule";
    if (o->contains("rrule")) return "RRuleSchedule";
  }
  return "Schedule";
}

// The dates to schedule for one schedule at `now`.
std::vector<Timestamp> dates_for(const schedules::Schedule& schedule, const config::ServiceSettings& s, Timestamp now) {
  auto end = now + seconds(s.scheduler_max_scheduled_time_seconds);
  auto min_time = now + seconds(s.scheduler_min_scheduled_time_seconds);
  auto all = schedules::next_dates(schedule, now, static_cast<std::size_t>(std::max<int64_t>(s.scheduler_max_runs, 0)), end);
  std::vector<Timestamp> out;
  for (auto d : all) {
    out.push_back(d);
    if (static_cast<int64_t>(out.size()) >= s.scheduler_min_runs && d >= min_time) break;
  }
  return out;
}

core::FlowRun scheduled_run(const core::Deployment& d, const core::DeploymentSchedule& s, Timestamp date,
                            Timestamp now, const json::object& flow_labels) {
  core::FlowRun run;
  run.id = core::new_uuid4();
  run.created = run.updated = now;
  run.name = core::generate_slug();
  run.flow_id = d.flow_id;
  run.deployment_id = d.id;
  run.deployment_version = d.version;
  run.work_queue_name = d.work_queue_name;
  run.work_queue_id = d.work_queue_id;
  run.parameters = d.parameters;
  for (const auto& kv : s.parameters) run.parameters[kv.key()] = kv.value();
  run.tags = {"auto-scheduled"};
  for (const auto& t : d.tags) {
    if (std::find(run.tags.begin(), run.tags.end(), t) == run.tags.end()) run.tags.push_back(t);
  }
  run.auto_scheduled = true;
  run.idempotency_key = "scheduled " + d.id + " " + s.id + " " + python_utc_str(date);
  run.created_by = json::object{
      {"id", s.id}, {"type", "SCHEDULE"}, {"display_value", s.slug ? json::value(*s.slug) : json::value(schedule_class(s.schedule))}};
  run.infrastructure_document_id = d.infrastructure_document_id;
  json::object labels = flow_labels;
  labels["prefect.flow.id"] = d.flow_id;
  for (const auto& kv : d.labels) labels[kv.key()] = kv.value();
  labels["prefect.deployment.id"] = d.id;
  run.labels = std::move(labels);
  return run;
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
      spdlog::error("scheduler: {}", batch.error().message);
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
        auto schedule = schedules::parse_schedule(work.schedule.schedule, json::array{"schedule"}, now);
        if (!schedule) {
          spdlog::warn("scheduler: schedule {} is invalid: {}", work.schedule.id, schedule.error().message);
          continue;
        }
        json::object flow_labels;
        if (auto flow = store::flows::read(c, work.deployment.flow_id)) flow_labels = flow->labels;
        for (auto date : dates_for(*schedule, settings_, now)) {
          core::State state;
          state.type = core::StateType::kScheduled;
          state.name = "Scheduled";
          state.state_details["scheduled_time"] = core::format_timestamp(date);
          auto created = runs::create_flow_run(
              c, scheduled_run(work.deployment, work.schedule, date, now, flow_labels), std::move(state), now);
          if (!created) return created.take_error();
          if (!created->created) continue;
          if (created->event) published.push_back(std::move(*created->event));
          ++n;
        }
      }
      return n;
    });
    if (!inserted) {
      spdlog::error("scheduler: {}", inserted.error().message);
      return;
    }
    last_inserted_ += *inserted;
    if (events_ && !published.empty()) events_->publish(std::move(published));
    if (static_cast<int64_t>(batch->size()) == 0) return;
  }
}

}  // namespace praetor::services
