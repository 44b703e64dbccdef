#include "runs/task_run_transition.h"

#include <random>

#include "core/uuid.h"
#include "orchestration/task_policy.h"
#include "store/task_run_queue.h"
#include "store/task_run_repository.h"

namespace praetor::runs {

namespace json = boost::json;
using store::Connection;

namespace {

// Prefect's EnqueueScheduledTasks: a deferred run (a background task) entering a Scheduled
// state waits for a task worker; AwaitingRetry goes to the retry queue.
void enqueue_if_deferred(Connection& c, const core::TaskRun& run, const core::State& written, core::Timestamp now) {
  if (written.type != core::StateType::kScheduled) return;
  const json::value* deferred = written.state_details.if_contains("deferred");
  if (!deferred || !deferred->is_bool() || !deferred->get_bool()) return;
  store::task_run_queue::enqueue(c, run.id, run.task_key, written.name == "AwaitingRetry", now);
}

double uniform_draw() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

std::optional<orchestration::TaskFlowRunView> flow_run_view(Connection& c, const core::TaskRun& run) {
  if (!run.flow_run_id) return std::nullopt;
  auto summary = store::task_runs::read_flow_run_summary(c, *run.flow_run_id);
  if (!summary) return std::nullopt;
  return orchestration::TaskFlowRunView{*run.flow_run_id, summary->state_type, summary->state_details,
                                        summary->run_count};
}

TaskRunSetStateResult apply(Connection& c, const core::TaskRun& run, core::State proposed, bool force,
                            core::Timestamp now, core::Result<core::TaskRun>* updated) {
  orchestration::TaskTransition in;
  in.run = run;
  in.proposed = std::move(proposed);
  in.force = force;
  in.flow_run = flow_run_view(c, run);
  in.now = now;
  in.random_draw = uniform_draw();
  orchestration::TaskDecision d = orchestration::decide_task_transition(in);
  if (d.error) {
    *updated = *d.error;
    return {};
  }
  TaskRunSetStateResult out{d.status, run.state, d.details(), false};
  if (d.state_to_write) {
    store::task_runs::save_state(c, d.run, *d.state_to_write, now);
    enqueue_if_deferred(c, d.run, *d.state_to_write, now);
    out.state = d.state_to_write;
    out.written = true;
  }
  *updated = d.run;
  return out;
}

}  // namespace

core::Result<TaskRunSetStateResult> set_task_run_state(Connection& c, const std::string& task_run_id,
                                                       core::State proposed, bool force, core::Timestamp now) {
  auto run = store::task_runs::read(c, task_run_id);
  if (!run) return core::Error::object_not_found("Task run with id " + task_run_id + " not found");
  proposed.id = core::new_uuid7();
  proposed.timestamp = now;
  core::Result<core::TaskRun> updated = *run;
  TaskRunSetStateResult out = apply(c, *run, std::move(proposed), force, now, &updated);
  if (!updated) return updated.take_error();
  return out;
}

json::object to_json(const TaskRunSetStateResult& r) {
  return {{"status", orchestration::to_string(r.status)},
          {"state", r.state ? json::value(core::to_json(*r.state)) : json::value(nullptr)},
          {"details", r.details}};
}

core::Result<TaskRunCreateResult> create_task_run(Connection& c, core::TaskRunCreate request, core::Timestamp now) {
  core::TaskRun proposed = std::move(request.run);
  proposed.id = request.id.value_or(core::new_uuid4());
  proposed.created = proposed.updated = now;
  // Prefect's with_system_labels_for_task_run: flow run labels | default labels | client labels.
  if (proposed.flow_run_id) {
    json::object labels;
    if (auto flow_run = store::task_runs::read_flow_run_summary(c, *proposed.flow_run_id)) labels = flow_run->labels;
    labels["prefect.flow-run.id"] = *proposed.flow_run_id;
    for (const auto& kv : proposed.labels) labels[kv.key()] = kv.value();
    proposed.labels = std::move(labels);
  }
  auto created = store::task_runs::get_or_create(c, proposed);
  if (!created.created) return TaskRunCreateResult{std::move(created.run), false};

  core::State initial;
  if (request.initial_state) {
    initial = std::move(*request.initial_state);
  } else {
    initial.type = core::StateType::kPending;
    initial.name = core::default_state_name(initial.type);
  }
  initial.id = core::new_uuid7();
  initial.timestamp = now;
  core::Result<core::TaskRun> updated = created.run;
  (void)apply(c, created.run, std::move(initial), true, now, &updated);
  if (!updated) return updated.take_error();
  return TaskRunCreateResult{std::move(*updated), true};
}

}  // namespace praetor::runs
