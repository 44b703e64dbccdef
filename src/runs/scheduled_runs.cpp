#include "runs/scheduled_runs.h"

#include <algorithm>
#include <cstdio>
#include <variant>

#include "core/slug.h"
#include "core/uuid.h"
#include "runs/flow_run_creation.h"
#include "schedules/schedule_json.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"

namespace praetor::runs {

namespace json = boost::json;
using core::Timestamp;

// str() of a schedule's datetime as Python prints it, in the schedule's zone:
// "2026-08-21 09:00:00-04:00", microseconds only when there are some. Prefect's
// idempotency key for a scheduled run ends with it.
std::string python_str_in_zone(Timestamp t, const schedules::Zone& zone) {
  const auto offset = zone.offset_at(t);
  std::string iso = core::format_timestamp(t + std::chrono::duration_cast<std::chrono::microseconds>(offset));
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();  // 2026-08-21T09:00:00.123456 now local
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
  const int64_t total = offset.count();
  const int64_t magnitude = total < 0 ? -total : total;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%c%02d:%02d", total < 0 ? '-' : '+', static_cast<int>(magnitude / 3600),
                static_cast<int>(magnitude / 60 % 60));
  iso += suffix;
  if (magnitude % 60 != 0) {
    std::snprintf(suffix, sizeof suffix, ":%02d", static_cast<int>(magnitude % 60));
    iso += suffix;
  }
  return iso;
}

namespace {

// The display_value of created_by: the schedule's slug, else its class name.
const char* schedule_class(const json::value& schedule) {
  if (const auto* o = schedule.if_object()) {
    if (o->contains("interval")) return "IntervalSchedule";
    if (o->contains("cron")) return "CronSchedule";
    if (o->contains("rrule")) return "RRuleSchedule";
  }
  return "Schedule";
}

// Prefect's idempotency key of a scheduled run: "scheduled {deployment} {schedule} {str(date)}".
std::string scheduled_key(const core::Deployment& d, const core::DeploymentSchedule& s, Timestamp date,
                          const schedules::Zone& zone) {
  return "scheduled " + d.id + " " + s.id + " " + python_str_in_zone(date, zone);
}

core::FlowRun scheduled_run(const core::Deployment& d, const core::DeploymentSchedule& s, Timestamp date,
                            const schedules::Zone& zone, Timestamp now, const json::object& flow_labels) {
  core::FlowRun run;
  run.id = core::new_uuid7();
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
  run.idempotency_key = scheduled_key(d, s, date, zone);
  json::value display = s.slug ? json::value(*s.slug) : json::value(schedule_class(s.schedule));
  run.created_by = json::object{{"id", s.id}, {"type", "SCHEDULE"}, {"display_value", display}};
  run.infrastructure_document_id = d.infrastructure_document_id;
  json::object labels = flow_labels;
  labels["prefect.flow.id"] = d.flow_id;
  for (const auto& kv : d.labels) labels[kv.key()] = kv.value();
  labels["prefect.deployment.id"] = d.id;
  run.labels = std::move(labels);
  return run;
}

}  // namespace

std::vector<Timestamp> window_dates(const schedules::Schedule& schedule, const ScheduleWindow& w) {
  std::vector<Timestamp> out;
  if (w.max_runs <= 0) return out;
  auto all = schedules::next_dates(schedule, w.start, static_cast<std::size_t>(w.max_runs), w.end);
  for (auto d : all) {
    out.push_back(d);
    if (static_cast<int64_t>(out.size()) >= w.min_runs && d >= w.start + w.min_time) break;
  }
  return out;
}

core::Result<int64_t> insert_scheduled_runs(store::Connection& c, const core::Deployment& deployment,
                                            const core::DeploymentSchedule& schedule, const ScheduleWindow& window,
                                            Timestamp now, std::vector<events::Event>& events) {
  auto parsed = schedules::parse_schedule(schedule.schedule, json::array{"schedule"}, now);
  if (!parsed) return core::Error::invalid("schedule " + schedule.id + " is invalid: " + parsed.error().message);
  json::object flow_labels = store::flows::labels(c, deployment.flow_id);
  const schedules::Zone zone = std::visit([](const auto& kind) { return kind.zone; }, *parsed);
  int64_t inserted = 0;
  for (auto date : window_dates(*parsed, window)) {
    core::State state;
    state.type = core::StateType::kScheduled;
    state.name = "Scheduled";
    state.message = "Flow run scheduled";
    state.state_details["scheduled_time"] = core::format_timestamp(date);
    core::FlowRun run = scheduled_run(deployment, schedule, date, zone, now, flow_labels);
    // Releases before this one printed the key's date in UTC whatever the zone: a date that
    // already has a run under that key is not scheduled a second time after an upgrade.
    const std::string utc_key = scheduled_key(deployment, schedule, date, schedules::Zone::utc());
    if (*run.idempotency_key != utc_key && store::flow_runs::has_idempotency_key(c, run.flow_id, utc_key)) continue;
    auto created = create_flow_run(c, std::move(run), std::move(state), now);
    if (!created) return created.take_error();
    if (!created->created) continue;  // this deployment, schedule and time already has its run
    if (created->event) events.push_back(std::move(*created->event));
    ++inserted;
  }
  return inserted;
}

}  // namespace praetor::runs
