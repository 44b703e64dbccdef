#include "orchestration/task_policy.h"

#include <gtest/gtest.h>

namespace praetor::orchestration {
namespace {

namespace json = boost::json;
using core::State;
using core::StateType;
using core::Timestamp;

const Timestamp kNow = *core::parse_timestamp("2026-01-01T00:01:00Z");
const char* kFlowRunId = "b6008a5f-b050-4cd8-adda-80c442375040";

State state(StateType type, const char* name, const char* when, json::object details = {}) {
  State s;
  s.id = std::string("state-") + name;
  s.type = type;
  s.name = name;
  s.timestamp = *core::parse_timestamp(when);
  s.state_details = std::move(details);
  return s;
}

struct Case {
  const char* what;
  std::optional<State> initial;
  State proposed;
  int64_t run_count = 0;
  json::object policy;
  std::optional<TaskFlowRunView> flow_run;
  bool has_flow_run_id = false;
  bool force = false;
  // Expected.
  SetStateStatus status;
  std::optional<StateType> written_type;  // nullopt: nothing written
  const char* written_name = "";
  int64_t run_count_after = 0;
  const char* reason = nullptr;
  int64_t delay_seconds = 0;
};

TaskFlowRunView flow(std::optional<StateType> type, int64_t run_count = 1, json::object details = {}) {
  return TaskFlowRunView{kFlowRunId, type, std::move(details), run_count};
}

const State kPending = state(StateType::kPending, "Pending", "2026-01-01T00:00:00Z");
const State kRunning = state(StateType::kRunning, "Running", "2026-01-01T00:00:30Z");
const State kProposedRunning = state(StateType::kRunning, "Running", "2026-01-01T00:01:00Z");
const State kProposedFailed = state(StateType::kFailed, "Failed", "2026-01-01T00:01:00Z");

std::vector<Case> cases() {
  State completed = state(StateType::kCompleted, "Completed", "2026-01-01T00:00:40Z");
  State persisted = completed;
  persisted.data = json::parse(R"({"storage_key":"/tmp/x","serializer":{"type":"pickle"}})");
  State not_retriable = kProposedFailed;
  not_retriable.state_details["retriable"] = false;
  State awaiting_future = state(StateType::kScheduled, "AwaitingRetry", "2026-01-01T00:00:50Z",
                                {{"scheduled_time", "2026-01-01T00:01:09.600000Z"}});
  State awaiting_past = state(StateType::kScheduled, "AwaitingRetry", "2026-01-01T00:00:50Z",
                              {{"scheduled_time", "2026-01-01T00:00:55Z"}});
  State with_transition = kRunning;
  with_transition.state_details["transition_id"] = "11111111-1111-1111-1111-111111111111";
  State repeated = kProposedRunning;
  repeated.state_details["transition_id"] = "11111111-1111-1111-1111-111111111111";
  json::object retries2 = {{"retries", 2}, {"retry_delay", 10}};
  return {
      {"first run is accepted and counted", kPending, kProposedRunning, 0, {}, {}, false, false,
       SetStateStatus::kAccept, StateType::kRunning, "Running", 1},
      {"a failure with retries left becomes AwaitingRetry", kRunning, kProposedFailed, 1, retries2, {}, false, false,
       SetStateStatus::kReject, StateType::kScheduled, "AwaitingRetry", 1, "Retrying"},
      {"a failure with no retries left is accepted", kRunning, kProposedFailed, 3, retries2, {}, false, false,
       SetStateStatus::kAccept, StateType::kFailed, "Failed", 3},
      {"retriable=false skips the retry", kRunning, not_retriable, 1, retries2, {}, false, false,
       SetStateStatus::kAccept, StateType::kFailed, "Failed", 1},
      {"force skips the retry rule", kRunning, kProposedFailed, 1, retries2, {}, false, true,
       SetStateStatus::kAccept, StateType::kFailed, "Failed", 1},
      {"running before the scheduled time waits (rounded seconds)", awaiting_future, kProposedRunning, 1, retries2, {},
       false, false, SetStateStatus::kWait, {}, "", 1, "Scheduled time is in the future", 10},
      {"running after AwaitingRetry is renamed Retrying", awaiting_past, kProposedRunning, 1, retries2, {}, false,
       false, SetStateStatus::kAccept, StateType::kRunning, "Retrying", 2},
      {"running again otherwise is renamed Rerunning", kPending, kProposedRunning, 1, {}, {}, false, false,
       SetStateStatus::kAccept, StateType::kRunning, "Rerunning", 2},
      {"leaving Completed resets the run count", completed, kProposedRunning, 4, {}, {}, false, false,
       SetStateStatus::kAccept, StateType::kRunning, "Running", 1},
      {"leaving a Completed state with a persisted result is rejected", persisted, kProposedRunning, 1, {}, {}, false,
       false, SetStateStatus::kReject, {}, "", 1, "This run is already completed."},
      {"a terminal run cannot crash", completed, state(StateType::kCrashed, "Crashed", "2026-01-01T00:01:00Z"), 1, {},
       {}, false, false, SetStateStatus::kAbort, {}, "", 1, "Run is already COMPLETED."},
      {"a task of a paused flow is told NotReady", kPending, kProposedRunning, 0, {},
       flow(StateType::kPaused, 1, {{"pause_timeout", "2026-01-02T00:00:00Z"}}), true, false, SetStateStatus::kReject,
       StateType::kPaused, "NotReady", 0,
       "The flow is paused, new tasks can execute after resuming flow run: b6008a5f-b050-4cd8-adda-80c442375040."},
      {"a task of a finished flow cannot run", kPending, kProposedRunning, 0, {}, flow(StateType::kCompleted), true,
       false, SetStateStatus::kAbort, {}, "", 0, "The enclosing flow must be running to begin task execution."},
      {"a task of a flow run without state cannot run", kPending, kProposedRunning, 0, {}, flow(std::nullopt), true,
       false, SetStateStatus::kAbort, {}, "", 0, "The enclosing flow must be running to begin task execution."},
      {"a task of a running flow runs", kPending, kProposedRunning, 0, {}, flow(StateType::kRunning, 2), true, false,
       SetStateStatus::kAccept, StateType::kRunning, "Running", 1},
      {"a repeated transition id is rejected", with_transition, repeated, 1, {}, {}, false, false,
       SetStateStatus::kReject, {}, "", 1, "This run has already made this state transition."},
      {"a state without a current state is accepted", {}, kProposedFailed, 0, retries2, {}, false, false,
       SetStateStatus::kAccept, StateType::kFailed, "Failed", 0},
  };
}

// Verifies each rule of the task policy on a table of transitions.
TEST(TaskPolicy, Table) {
  for (const Case& tc : cases()) {
    SCOPED_TRACE(tc.what);
    TaskTransition in;
    in.run.id = "task-run-1";
    in.run.task_key = "k";
    in.run.dynamic_key = "0";
    if (tc.has_flow_run_id) in.run.flow_run_id = kFlowRunId;
    in.run.run_count = tc.run_count;
    in.run.empirical_policy = core::task_run_policy_from_json(tc.policy);
    in.run.state = tc.initial;
    in.proposed = tc.proposed;
    in.flow_run = tc.flow_run;
    in.force = tc.force;
    in.now = kNow;
    TaskDecision d = decide_task_transition(in);
    EXPECT_FALSE(d.error);
    EXPECT_EQ(d.status, tc.status);
    EXPECT_EQ(d.state_to_write.has_value(), tc.written_type.has_value());
    if (d.state_to_write && tc.written_type) {
      EXPECT_EQ(d.state_to_write->type, *tc.written_type);
      EXPECT_EQ(d.state_to_write->name, tc.written_name);
      EXPECT_EQ(d.state_to_write->state_details.at("task_run_id"), json::value("task-run-1"));
    }
    EXPECT_EQ(d.run.run_count, tc.run_count_after);
    if (tc.reason) {
      EXPECT_EQ(d.reason.value_or(""), tc.reason);
    }
    EXPECT_EQ(d.delay_seconds, tc.delay_seconds);
    EXPECT_EQ(d.details().at("type"), json::value(tc.status == SetStateStatus::kAccept   ? "accept_details"
                                                  : tc.status == SetStateStatus::kReject ? "reject_details"
                                                  : tc.status == SetStateStatus::kAbort  ? "abort_details"
                                                                                         : "wait_details"));
  }
}

TaskTransition running_to_failed(json::object policy, int64_t run_count) {
  TaskTransition in;
  in.run.id = "t";
  in.run.run_count = run_count;
  in.run.empirical_policy = core::task_run_policy_from_json(policy);
  in.run.state = kRunning;
  in.proposed = kProposedFailed;
  in.proposed.message = "Task run encountered an exception";
  in.now = kNow;
  return in;
}

// Verifies the AwaitingRetry state: scheduled at now + the delay for this attempt (list or
// scalar), carrying the failure's message, and the bookkeeping of leaving RUNNING.
TEST(TaskPolicy, RetryDelaysAndBookkeeping) {
  TaskDecision d = decide_task_transition(running_to_failed({{"retries", 3}, {"retry_delay", json::array{1, 5}}}, 2));
  ASSERT_TRUE(d.state_to_write);
  EXPECT_EQ(d.state_to_write->state_details.at("scheduled_time"), json::value("2026-01-01T00:01:05Z"));
  EXPECT_EQ(d.state_to_write->message, "Task run encountered an exception");
  EXPECT_EQ(d.run.total_run_time, std::chrono::seconds(30));
  EXPECT_EQ(d.run.next_scheduled_start_time, core::parse_timestamp("2026-01-01T00:01:05Z"));
  EXPECT_FALSE(d.run.end_time);

  TaskDecision scalar = decide_task_transition(running_to_failed({{"retries", 3}, {"retry_delay", 7}}, 3));
  EXPECT_EQ(scalar.state_to_write->state_details.at("scheduled_time"), json::value("2026-01-01T00:01:07Z"));

  TaskDecision jitter = decide_task_transition(
      running_to_failed({{"retries", 3}, {"retry_delay", 10}, {"retry_jitter_factor", 0.5}}, 1));
  auto scheduled = core::parse_timestamp(jitter.state_to_write->state_details.at("scheduled_time").as_string());
  EXPECT_GE(*scheduled, kNow);
  EXPECT_LE(*scheduled, kNow + std::chrono::seconds(15));

  TaskDecision failed = decide_task_transition(running_to_failed({}, 1));
  EXPECT_EQ(failed.run.end_time, kNow);
  EXPECT_EQ(failed.run.state->id, kProposedFailed.id);
}

// Verifies the jitter stays within [lower bound, average * (1 + factor)] and grows with the draw.
TEST(TaskPolicy, ClampedPoissonInterval) {
  double low = clamped_poisson_interval(10, 0.3, 0.0);
  double high = clamped_poisson_interval(10, 0.3, 0.999999);
  EXPECT_GT(low, 0);
  EXPECT_LT(low, 10);
  EXPECT_LE(high, 13.0 + 1e-6);
  EXPECT_GT(high, 10);
  EXPECT_EQ(clamped_poisson_interval(0, 0.3, 0.5), 0.0);
}

// Verifies a RUNNING proposal for a task whose flow run was deleted is an object-not-found
// error, and the flow run's run count is tracked when it exists.
TEST(TaskPolicy, FlowRunTracker) {
  TaskTransition in;
  in.run.id = "t";
  in.run.flow_run_id = kFlowRunId;
  in.run.state = kPending;
  in.proposed = kProposedRunning;
  in.now = kNow;
  TaskDecision missing = decide_task_transition(in);
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->kind, core::ErrorKind::kObjectNotFound);
  in.flow_run = flow(StateType::kRunning, 3);
  TaskDecision tracked = decide_task_transition(in);
  EXPECT_FALSE(tracked.error);
  EXPECT_EQ(tracked.run.flow_run_run_count, 3);
  EXPECT_EQ(tracked.run.start_time, kNow);
  EXPECT_EQ(tracked.run.expected_start_time, kNow);
}

// Verifies SCHEDULED → PENDING copies the scheduled time when the proposal has none.
TEST(TaskPolicy, CopyScheduledTime) {
  TaskTransition in;
  in.run.id = "t";
  in.run.state = state(StateType::kScheduled, "Scheduled", "2026-01-01T00:00:00Z", {{"scheduled_time", "2026-01-01T00:05:00Z"}});
  in.proposed = state(StateType::kPending, "Pending", "2026-01-01T00:01:00Z");
  in.now = kNow;
  TaskDecision d = decide_task_transition(in);
  ASSERT_TRUE(d.state_to_write);
  EXPECT_EQ(d.state_to_write->state_details.at("scheduled_time"), json::value("2026-01-01T00:05:00Z"));
  EXPECT_FALSE(d.run.next_scheduled_start_time);
}

}  // namespace
}  // namespace praetor::orchestration
