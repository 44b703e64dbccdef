#include "runs/flow_run_transition.h"

#include "runs/deployment_concurrency.h"
#include "runs/task_run_transition.h"

#include <algorithm>
#include <set>

#include "core/uuid.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"

namespace praetor::runs {

namespace json = boost::json;
using core::State;

namespace {

// Prefect's state_payload(): the essential string parts of a state for event payloads.
json::value state_payload(const std::optional<State>& s) {
  if (!s) return nullptr;
  json::object p{{"type", core::to_string(s->type)}};
  if (!s->name.empty()) p["name"] = s->name;
  if (s->message && !s->message->empty()) p["message"] = *s->message;
  if (s->type == core::StateType::kPaused) {
    auto it = s->state_details.find("pause_reschedule");
    bool reschedule = it != s->state_details.end() && it->value().is_bool() && it->value().get_bool();
    p["pause_reschedule"] = reschedule ? "true" : "false";
  }
  return p;
}

// The server-side `prefect.flow-run.<StateName>` event (server/models/events.py
// flow_run_state_change_event): id = the new state's id; `follows` the previous state's
// id when it is within five minutes.
events::Event state_change_event(store::Connection& c, const core::FlowRun& run, const std::optional<State>& initial,
                                 const State& validated, core::Timestamp now) {
  events::Event e;
  e.id = validated.id;
  e.occurred = validated.timestamp;
  e.received = now;
  e.event = "prefect.flow-run." + validated.name;
  e.resource = json::object{
      {"prefect.resource.id", "prefect.flow-run." + run.id},
      {"prefect.resource.name", run.name},
      {"prefect.run-count", std::to_string(run.run_count)},
      {"prefect.state-message", validated.message.value_or("")},
      {"prefect.state-name", validated.name},
      {"prefect.state-timestamp", core::format_timestamp_offset(validated.timestamp)},
      {"prefect.state-type", core::to_string(validated.type)},
  };
  std::set<std::string> tags(run.tags.begin(), run.tags.end());
  if (auto flow = store::flows::read(c, run.flow_id)) {
    e.related.push_back(json::object{{"prefect.resource.id", "prefect.flow." + run.flow_id},
                                     {"prefect.resource.role", "flow"},
                                     {"prefect.resource.name", flow->at("name")}});
    for (const auto& tag : flow->at("tags").as_array()) tags.emplace(tag.as_string());
  }
  if (run.parent_task_run_id) {
    auto& st = c.prepare("SELECT name, tags FROM task_run WHERE id = ?1");
    st.bind(1, *run.parent_task_run_id);
    if (st.step()) {
      e.related.push_back(json::object{{"prefect.resource.id", "prefect.task-run." + *run.parent_task_run_id},
                                       {"prefect.resource.role", "task-run"},
                                       {"prefect.resource.name", st.column_text(0)}});
      auto task_tags = store::flows::tags_from_text(st.column_text(1));
      tags.insert(task_tags.begin(), task_tags.end());
    }
    st.reset();
  }
  for (const auto& tag : tags) {
    e.related.push_back(json::object{{"prefect.resource.id", "prefect.tag." + tag}, {"prefect.resource.role", "tag"}});
  }
  e.payload = json::object{
      {"intended",
       json::object{{"from", initial ? json::value(core::to_string(initial->type)) : json::value(nullptr)},
                    {"to", core::to_string(validated.type)}}},
      {"initial_state", state_payload(initial)},
      {"validated_state", state_payload(validated)},
  };
  if (initial) {
    auto gap = validated.timestamp - initial->timestamp;
    if (gap > -std::chrono::minutes(5) && gap < std::chrono::minutes(5)) e.follows = initial->id;
  }
  return e;
}

}  // namespace

core::Result<TransitionOutcome> apply_flow_run_transition(store::Connection& c, const core::FlowRun& run,
                                                          State proposed, bool force, core::Timestamp now,
                                                          const TransitionContext& context) {
  proposed.id = core::new_uuid7();
  proposed.timestamp = now;
  orchestration::FlowRunTransition t;
  t.now = now;
  t.run = run;
  t.run.state.reset();
  t.initial = run.state;
  t.proposed = std::move(proposed);
  t.force = force;
  t.taken_timestamps = store::flow_runs::state_timestamps_from(c, run.id, now);
  t.client_version = context.client_version;
  t.concurrency_settings = context.concurrency;
  t.mark_late = context.mark_late;
  if (run.deployment_id && (context.mark_late || concurrency_may_apply(run.state, t.proposed))) {
    t.deployment_concurrency = read_deployment_concurrency(c, *run.deployment_id, run.state, now);
    t.new_lease_id = core::new_uuid4();
  }

  TransitionOutcome out;
  out.decision = orchestration::orchestrate_flow_run(t);
  auto& d = out.decision;
  if (d.written) {
    store::flow_runs::write_state(c, run, d.run, *d.written, now);
    if (d.parent_task_run_state && d.run.parent_task_run_id) {
      // Prefect's UpdateSubflowParentTask: the subflow's state, forced onto its parent task
      // run through the task-run path. A parent task run this server has not recorded yet
      // (its events may still be in flight) is skipped rather than failing the subflow.
      auto mirrored = set_task_run_state(c, *d.run.parent_task_run_id, *d.parent_task_run_state, true, now);
      if (!mirrored && mirrored.error().kind != core::ErrorKind::kObjectNotFound) return mirrored.take_error();
    }
    out.event = state_change_event(c, d.run, run.state, *d.written, now);
  } else if (d.run_changed) {
    store::flow_runs::write_bookkeeping(c, run, d.run, now);
  }
  perform_lease_actions(c, run.id, d.lease_actions, now);
  return out;
}

json::object orchestration_result_json(const orchestration::FlowRunDecision& d) {
  return {{"state", d.response_state ? json::value(core::to_json(*d.response_state)) : json::value(nullptr)},
          {"status", orchestration::to_string(d.status)},
          {"details", orchestration::details_to_json(d)}};
}

}  // namespace praetor::runs
