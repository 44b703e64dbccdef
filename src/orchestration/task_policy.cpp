#include "orchestration/task_policy.h"

#include <algorithm>
#include <cmath>

namespace praetor::orchestration {

namespace json = boost::json;
using core::State;
using core::StateType;
using core::Timestamp;

namespace {

std::optional<Timestamp> detail_time(const json::object& details, std::string_view key) {
  auto it = details.find(key);
  if (it == details.end() || !it->value().is_string()) return std::nullopt;
  return core::parse_timestamp(it->value().get_string());
}

const json::value* detail(const json::object& details, std::string_view key) {
  auto it = details.find(key);
  return it == details.end() ? nullptr : &it->value();
}

bool is_terminal(StateType t) { return core::is_final(t); }

// The mutable orchestration context: the proposed state (nullopt once nullified) and the
// response so far.
struct Context {
  const TaskTransition& in;
  core::TaskRun run;
  std::optional<State> proposed;
  SetStateStatus status = SetStateStatus::kAccept;
  std::optional<std::string> reason;
  int64_t delay_seconds = 0;
  std::optional<core::Error> error;

  // True while a state is proposed and its type is still `t`.
  bool proposes(StateType t) const { return proposed && proposed->type == t; }
  void reject(std::optional<State> state, std::string why) {
    proposed = std::move(state);
    status = SetStateStatus::kReject;
    reason = std::move(why);
  }
  void abort(std::string why) {
    proposed.reset();
    status = SetStateStatus::kAbort;
    reason = std::move(why);
  }
  void wait(int64_t seconds, std::string why) {
    proposed.reset();
    status = SetStateStatus::kWait;
    delay_seconds = seconds;
    reason = std::move(why);
  }
  void rename(std::string name) {
    if (proposed) proposed->name = std::move(name);
  }
};

State awaiting_retry(const State& failed, Timestamp now, double delay_seconds) {
  State s;
  s.id = failed.id;
  s.type = StateType::kScheduled;
  s.name = "AwaitingRetry";
  s.timestamp = now;
  s.message = failed.message;
  s.data = failed.data;
  s.state_details["scheduled_time"] = core::format_timestamp(now + core::duration_from_seconds(delay_seconds));
  return s;
}

void prevent_duplicate_transitions(Context& c, const State& initial) {
  const json::value* current = detail(initial.state_details, "transition_id");
  const json::value* next = detail(c.proposed->state_details, "transition_id");
  if (current && next && !current->is_null() && !next->is_null() && *current == *next) {
    c.reject(std::nullopt, "This run has already made this state transition.");
  }
}

void handle_terminal_state_transitions(Context& c, const State& initial) {
  StateType to = c.proposed->type;
  if (to == StateType::kCancelling || to == StateType::kPaused || to == StateType::kCrashed) {
    c.abort("Run is already " + std::string(core::to_string(initial.type)) + ".");
    return;
  }
  if (initial.type == StateType::kCompleted && !initial.data.is_null()) {
    const json::object* data = initial.data.if_object();
    const json::value* type = data ? detail(*data, "type") : nullptr;
    bool unpersisted = type && type->is_string() && type->get_string() == "unpersisted";
    if (!unpersisted) {
      c.reject(std::nullopt, "This run is already completed.");
      return;
    }
  }
  // Leaving a terminal state resets retries (relevant when the parent flow retries).
  if (!core::is_final(to)) c.run.run_count = 0;
  if (to == StateType::kRunning && c.run.flow_run_id && c.in.flow_run &&
      c.run.flow_run_run_count < c.in.flow_run->run_count) {
    c.rename("Retrying");
  }
}

void prevent_running_tasks_from_stopped_flows(Context& c) {
  if (!c.in.flow_run) return;
  const TaskFlowRunView& flow = *c.in.flow_run;
  const char* kMustRun = "The enclosing flow must be running to begin task execution.";
  if (!flow.state_type) {
    c.abort(kMustRun);
  } else if (*flow.state_type == StateType::kPaused) {
    State paused;
    paused.id = c.proposed->id;
    paused.type = StateType::kPaused;
    paused.name = "NotReady";
    paused.timestamp = c.in.now;
    const json::value* timeout = detail(flow.state_details, "pause_timeout");
    paused.state_details["pause_timeout"] = timeout ? *timeout : json::value(nullptr);
    const json::value* reschedule = detail(flow.state_details, "pause_reschedule");
    paused.state_details["pause_reschedule"] = reschedule && reschedule->is_bool() ? reschedule->get_bool() : false;
    c.reject(std::move(paused), "The flow is paused, new tasks can execute after resuming flow run: " + flow.id + ".");
  } else if (*flow.state_type != StateType::kRunning) {
    c.abort(kMustRun);
  }
}

void copy_scheduled_time(Context& c, const State& initial) {
  auto& details = c.proposed->state_details;
  const json::value* proposed_time = detail(details, "scheduled_time");
  if (proposed_time && !proposed_time->is_null()) return;
  const json::value* initial_time = detail(initial.state_details, "scheduled_time");
  details["scheduled_time"] = initial_time ? *initial_time : json::value(nullptr);
}

void wait_for_scheduled_time(Context& c, const State& initial) {
  auto scheduled = detail_time(initial.state_details, "scheduled_time");
  if (!scheduled) return;
  // Python: floor(total_seconds) + round(microseconds component / 1e6), i.e. whole seconds
  // rounded half to even on the fraction.
  auto delay = *scheduled - c.in.now;
  int64_t micros = delay.count();
  int64_t whole = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  int64_t fraction = micros - whole * 1000000;  // in [0, 1e6)
  int64_t seconds = whole + (fraction > 500000 ? 1 : 0);
  if (seconds > 0) c.wait(seconds, "Scheduled time is in the future");
}

void retry_failed_tasks(Context& c) {
  const core::TaskRunPolicy& policy = c.run.empirical_policy;
  int64_t run_count = c.run.run_count;
  double base_delay = policy.base_delay_for(run_count);
  double delay = base_delay;
  if (policy.retry_jitter_factor && *policy.retry_jitter_factor > 0 && base_delay > 0) {
    delay = clamped_poisson_interval(base_delay, *policy.retry_jitter_factor, c.in.random_draw);
  }
  const json::value* retriable = detail(c.proposed->state_details, "retriable");
  if (retriable && retriable->is_bool() && !retriable->get_bool()) return;
  if (policy.retries && run_count <= *policy.retries) {
    c.reject(awaiting_retry(*c.proposed, c.in.now, delay), "Retrying");
  }
}

void rename_reruns(Context& c, const State& initial) {
  if (c.run.run_count > 0) c.rename(initial.name == "AwaitingRetry" ? "Retrying" : "Rerunning");
}

// GlobalTaskPolicy: the common transforms, then IncrementTaskRunCount.
void apply_bookkeeping(core::TaskRun& run, const std::optional<State>& initial, State& proposed) {
  if (proposed.type == StateType::kRunning && !run.start_time) run.start_time = proposed.timestamp;
  if (initial && core::is_final(initial->type) && !core::is_final(proposed.type)) run.end_time.reset();
  if (core::is_final(proposed.type) && !run.end_time) {
    if (!run.start_time) run.start_time = proposed.timestamp;
    run.end_time = proposed.timestamp;
  }
  if (initial && initial->type == StateType::kRunning) run.total_run_time += proposed.timestamp - initial->timestamp;
  if (!run.expected_start_time) {
    run.expected_start_time = proposed.type == StateType::kScheduled
                                  ? detail_time(proposed.state_details, "scheduled_time")
                                  : std::optional<Timestamp>(proposed.timestamp);
  }
  if (initial && initial->type == StateType::kScheduled) run.next_scheduled_start_time.reset();
  if (proposed.type == StateType::kScheduled) {
    run.next_scheduled_start_time = detail_time(proposed.state_details, "scheduled_time");
  }
  proposed.state_details["flow_run_id"] = run.flow_run_id ? json::value(*run.flow_run_id) : json::value(nullptr);
  proposed.state_details["task_run_id"] = run.id;
  if (proposed.type == StateType::kRunning) run.run_count += 1;
  run.state = proposed;
}

}  // namespace

double clamped_poisson_interval(double average, double clamping_factor, double draw) {
  if (average <= 0 || clamping_factor <= 0) return std::max(average, 0.0);
  double upper_multiple = 1 + clamping_factor;
  double lower_multiple = upper_multiple >= 50 ? 0.0
                                               : std::log2(std::max(std::pow(2.0, upper_multiple) /
                                                                        (std::pow(2.0, upper_multiple) - 1),
                                                                    1e-10));
  double upper_bound = average * upper_multiple;
  double lower_bound = std::max(0.0, average * lower_multiple);
  auto cdf = [&](double x) { return 1 - std::exp(-x / average); };
  double lower_rv = cdf(lower_bound);
  double upper_rv = cdf(upper_bound);
  double u = lower_rv + (upper_rv - lower_rv) * std::clamp(draw, 0.0, 1.0);
  return -std::log(std::max(1 - u, 1e-10)) * average;
}

json::object TaskDecision::details() const {
  switch (status) {
    case SetStateStatus::kAccept:
      return {{"type", "accept_details"}};
    case SetStateStatus::kReject:
      return {{"type", "reject_details"}, {"reason", reason ? json::value(*reason) : json::value(nullptr)}};
    case SetStateStatus::kAbort:
      return {{"type", "abort_details"}, {"reason", reason ? json::value(*reason) : json::value(nullptr)}};
    case SetStateStatus::kWait:
      return {{"type", "wait_details"},
              {"delay_seconds", delay_seconds},
              {"reason", reason ? json::value(*reason) : json::value(nullptr)}};
  }
  return {{"type", "accept_details"}};
}

TaskDecision decide_task_transition(const TaskTransition& in) {
  Context c{in, in.run, in.proposed};
  const std::optional<State>& initial = in.run.state;
  auto from_is = [&](StateType t) { return initial && initial->type == t; };
  const StateType to = in.proposed.type;
  // A rule applies only while the proposed type is still the one asked for.
  auto still = [&]() { return c.proposes(to); };

  if (!in.force) {
    if (initial && still()) prevent_duplicate_transitions(c, *initial);
    if (initial && is_terminal(initial->type) && still()) handle_terminal_state_transitions(c, *initial);
    if (to == StateType::kRunning && still()) prevent_running_tasks_from_stopped_flows(c);
    if (from_is(StateType::kScheduled) && to == StateType::kPending && still()) copy_scheduled_time(c, *initial);
    if ((from_is(StateType::kScheduled) || from_is(StateType::kPending)) && to == StateType::kRunning && still()) {
      wait_for_scheduled_time(c, *initial);
    }
    if (from_is(StateType::kRunning) && to == StateType::kFailed && still()) retry_failed_tasks(c);
    if (initial && to == StateType::kRunning && still()) rename_reruns(c, *initial);
    // HandleTaskTerminalStateTransitions' run-count reset is undone when it fizzles.
    if (!still()) c.run.run_count = in.run.run_count;
  }

  TaskDecision out;
  out.status = c.status;
  out.reason = c.reason;
  out.delay_seconds = c.delay_seconds;
  if (!c.proposed) {
    out.run = in.run;
    return out;
  }
  State written = std::move(*c.proposed);
  apply_bookkeeping(c.run, initial, written);
  // UpdateFlowRunTrackerOnTasks (after the transition, when it was not changed).
  if (!in.force && to == StateType::kRunning && written.type == StateType::kRunning && c.run.flow_run_id) {
    if (!in.flow_run) {
      out.error = core::Error::object_not_found("Unable to read flow run associated with task run: " + c.run.id +
                                                ", this flow run might have been deleted");
      out.run = in.run;
      return out;
    }
    c.run.flow_run_run_count = in.flow_run->run_count;
  }
  out.state_to_write = std::move(written);
  out.run = std::move(c.run);
  return out;
}

}  // namespace praetor::orchestration
