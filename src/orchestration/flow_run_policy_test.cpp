#include "orchestration/flow_run_policy.h"

#include <functional>

#include <gtest/gtest.h>

namespace praetor::orchestration {
namespace {

namespace json = boost::json;
using core::State;
using core::StateType;
using core::Timestamp;

Timestamp at(const char* text) { return *core::parse_timestamp(text); }
const Timestamp kNow = *core::parse_timestamp("2026-01-01T00:01:00Z");
const Timestamp kEarlier = *core::parse_timestamp("2026-01-01T00:00:00Z");

State state(StateType type, std::string name = "", json::object details = {}, json::value data = nullptr) {
  State s;
  s.id = "state-" + std::string(core::to_string(type));
  s.type = type;
  s.name = name.empty() ? core::default_state_name(type) : name;
  s.timestamp = kEarlier;
  s.state_details = std::move(details);
  s.data = std::move(data);
  return s;
}

FlowRunTransition transition(std::optional<State> initial, State proposed) {
  FlowRunTransition t;
  t.now = kNow;
  t.run.id = "run-1";
  t.run.flow_id = "flow-1";
  t.initial = std::move(initial);
  if (t.initial) {
    t.run.state_id = t.initial->id;
    t.run.state_type = t.initial->type;
    t.run.state_name = t.initial->name;
    t.run.state_timestamp = t.initial->timestamp;
  }
  proposed.id = "proposed-id";
  proposed.timestamp = kNow;
  t.proposed = std::move(proposed);
  return t;
}

const json::value kPersisted = json::object{{"storage_key", "/tmp/k"}, {"serializer", json::object{{"type", "pickle"}}}};
const json::value kUnpersisted = json::object{{"type", "unpersisted"}};

struct Case {
  const char* name;
  std::optional<State> initial;
  State proposed;
  std::function<void(FlowRunTransition&)> setup;  // may be empty
  SetStateStatus status;
  std::optional<StateType> written_type;  // nullopt: nothing written
  std::string written_name;               // checked when written_type is set
  std::string reason;                     // exact; empty: no reason expected
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class FlowRunPolicyRules : public ::testing::TestWithParam<Case> {};

// Verifies each rule's decision: status, the state written (type and name), the reason.
TEST_P(FlowRunPolicyRules, Decides) {
  const Case& k = GetParam();
  FlowRunTransition t = transition(k.initial, k.proposed);
  if (k.setup) k.setup(t);
  FlowRunDecision d = orchestrate_flow_run(t);
  EXPECT_EQ(to_string(d.status), to_string(k.status));
  if (k.written_type) {
    ASSERT_TRUE(d.written);
    EXPECT_EQ(core::to_string(d.written->type), core::to_string(*k.written_type));
    EXPECT_EQ(d.written->name, k.written_name);
    ASSERT_TRUE(d.response_state);
    EXPECT_EQ(d.response_state->id, d.written->id);
  } else {
    EXPECT_FALSE(d.written);
    EXPECT_EQ(d.response_state.has_value(), t.initial.has_value());
    if (d.response_state) {
      EXPECT_EQ(d.response_state->id, t.initial->id);
    }
  }
  if (k.reason.empty()) {
    EXPECT_FALSE(d.reason) << *d.reason;
  } else {
    EXPECT_EQ(d.reason.value_or("<none>"), k.reason);
  }
}

auto with(std::function<void(FlowRunTransition&)> f) { return f; }

const Case kCases[] = {
    // Plain transitions are accepted.
    {"FirstStateAccepted", std::nullopt, state(StateType::kPending), {}, SetStateStatus::kAccept,
     StateType::kPending, "Pending", ""},
    {"PendingToRunning", state(StateType::kPending), state(StateType::kRunning), {}, SetStateStatus::kAccept,
     StateType::kRunning, "Running", ""},
    {"RunningToCompleted", state(StateType::kRunning), state(StateType::kCompleted), {}, SetStateStatus::kAccept,
     StateType::kCompleted, "Completed", ""},
    // PreventDuplicateTransitions.
    {"DuplicateTransitionId", state(StateType::kRunning, "", {{"transition_id", "AAAAAAAA-0000-4000-8000-000000000001"}}),
     state(StateType::kRunning, "", {{"transition_id", "aaaaaaaa-0000-4000-8000-000000000001"}}), {},
     SetStateStatus::kReject, std::nullopt, "", "This run has already made this state transition."},
    {"NewTransitionId", state(StateType::kRunning, "", {{"transition_id", "aaaaaaaa-0000-4000-8000-000000000001"}}),
     state(StateType::kCompleted, "", {{"transition_id", "aaaaaaaa-0000-4000-8000-000000000002"}}), {},
     SetStateStatus::kAccept, StateType::kCompleted, "Completed", ""},
    // HandleFlowTerminalStateTransitions.
    {"TerminalToCancelling", state(StateType::kFailed), state(StateType::kCancelling), {}, SetStateStatus::kAbort,
     std::nullopt, "", "Run is already in terminal state FAILED."},
    {"TerminalToPaused", state(StateType::kCompleted), state(StateType::kPaused), {}, SetStateStatus::kAbort,
     std::nullopt, "", "Run is already in terminal state COMPLETED."},
    {"TerminalToCrashed", state(StateType::kCancelled), state(StateType::kCrashed), {}, SetStateStatus::kAbort,
     std::nullopt, "", "Run is already in terminal state CANCELLED."},
    {"CompletedWithResultToRunning", state(StateType::kCompleted, "", {}, kPersisted), state(StateType::kRunning), {},
     SetStateStatus::kReject, std::nullopt, "", "Run is already COMPLETED."},
    {"CompletedWithoutResultToRunning", state(StateType::kCompleted), state(StateType::kRunning), {},
     SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"CompletedUnpersistedToRunning", state(StateType::kCompleted, "", {}, kUnpersisted), state(StateType::kRunning),
     {}, SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"CompletedResultDataLoss", state(StateType::kCompleted, "", {}, kPersisted), state(StateType::kCompleted), {},
     SetStateStatus::kReject, std::nullopt, "",
     "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not."},
    {"CompletedToCompletedWithResult", state(StateType::kCompleted, "", {}, kPersisted),
     state(StateType::kCompleted, "", {}, kPersisted), {}, SetStateStatus::kAccept, StateType::kCompleted,
     "Completed", ""},
    {"TerminalToScheduledWithoutDeployment", state(StateType::kFailed), state(StateType::kScheduled), {},
     SetStateStatus::kAbort, std::nullopt, "", "Cannot reschedule a run without an associated deployment."},
    {"TerminalToScheduledWithDeployment", state(StateType::kFailed), state(StateType::kScheduled),
     with([](FlowRunTransition& t) { t.run.deployment_id = "dep"; }), SetStateStatus::kAccept, StateType::kScheduled,
     "Scheduled", ""},
    // Forced transitions use the minimal policy, which still guards result data.
    {"ForcedLeavesTerminal", state(StateType::kCompleted, "", {}, kPersisted), state(StateType::kRunning),
     with([](FlowRunTransition& t) { t.force = true; }), SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"ForcedResultDataLoss", state(StateType::kCompleted, "", {}, kPersisted), state(StateType::kCompleted),
     with([](FlowRunTransition& t) { t.force = true; }), SetStateStatus::kReject, std::nullopt, "",
     "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not."},
    {"ForcedSkipsPendingGuard", state(StateType::kRunning), state(StateType::kPending),
     with([](FlowRunTransition& t) { t.force = true; }), SetStateStatus::kAccept, StateType::kPending, "Pending", ""},
    // EnforceCancellingToCancelledTransition.
    {"CancellingToCompleted", state(StateType::kCancelling), state(StateType::kCompleted), {},
     SetStateStatus::kReject, std::nullopt, "",
     "Cannot transition flows that are cancelling to a state other than Cancelled."},
    {"CancellingToCancelled", state(StateType::kCancelling), state(StateType::kCancelled), {},
     SetStateStatus::kAccept, StateType::kCancelled, "Cancelled", ""},
    // BypassCancellingFlowRunsWithNoInfra.
    {"ScheduledNoInfraCancelling", state(StateType::kScheduled), state(StateType::kCancelling), {},
     SetStateStatus::kReject, StateType::kCancelled, "Cancelled", "Scheduled flow run has no infrastructure to terminate."},
    {"ScheduledWithInfraCancelling", state(StateType::kScheduled), state(StateType::kCancelling),
     with([](FlowRunTransition& t) { t.run.infrastructure_pid = "123"; }), SetStateStatus::kAccept,
     StateType::kCancelling, "Cancelling", ""},
    {"ResumingCancelling", state(StateType::kScheduled, "Resuming"), state(StateType::kCancelling),
     with([](FlowRunTransition& t) { t.run.infrastructure_pid = "123"; }), SetStateStatus::kReject,
     StateType::kCancelled, "Cancelled", "Scheduled flow run has no infrastructure to terminate."},
    {"SuspendedCancelling", state(StateType::kPaused, "Suspended", {{"pause_reschedule", true}}),
     state(StateType::kCancelling), with([](FlowRunTransition& t) { t.run.deployment_id = "dep"; }),
     SetStateStatus::kReject, StateType::kCancelled, "Cancelled", "Suspended flow run has no infrastructure to terminate."},
    {"ForcedScheduledCancelling", state(StateType::kScheduled), state(StateType::kCancelling),
     with([](FlowRunTransition& t) { t.force = true; }), SetStateStatus::kReject, StateType::kCancelled, "Cancelled",
     "Scheduled flow run has no infrastructure to terminate."},
    // PreventPendingTransitions.
    {"PendingToPending", state(StateType::kPending), state(StateType::kPending), {}, SetStateStatus::kAbort,
     std::nullopt, "", "This run is in a PENDING state and cannot transition to a PENDING state."},
    {"RunningToPending", state(StateType::kRunning), state(StateType::kPending), {}, SetStateStatus::kAbort,
     std::nullopt, "", "This run is in a RUNNING state and cannot transition to a PENDING state."},
    {"CancelledToPending", state(StateType::kCancelled), state(StateType::kPending), {}, SetStateStatus::kAbort,
     std::nullopt, "", "This run is in a CANCELLED state and cannot transition to a PENDING state."},
    {"PendingSubState", state(StateType::kPending), state(StateType::kPending, "Submitting"), {},
     SetStateStatus::kAccept, StateType::kPending, "Submitting", ""},
    {"ScheduledToPending", state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:00:30Z"}}),
     state(StateType::kPending), {}, SetStateStatus::kAccept, StateType::kPending, "Pending", ""},
    // EnsureOnlyScheduledFlowsMarkedLate.
    {"RunningMarkedLate", state(StateType::kRunning), state(StateType::kScheduled, "Late"), {},
     SetStateStatus::kReject, std::nullopt, "", "Only scheduled flows can be marked late."},
    {"LateMarkedLate", state(StateType::kScheduled, "Late"), state(StateType::kScheduled, "Late"), {},
     SetStateStatus::kReject, std::nullopt, "", "This flow run is already marked late."},
    {"ScheduledMarkedLate", state(StateType::kScheduled), state(StateType::kScheduled, "Late"), {},
     SetStateStatus::kAccept, StateType::kScheduled, "Late", ""},
    // HandlePausingFlows.
    {"PauseWithoutState", std::nullopt, state(StateType::kPaused), {}, SetStateStatus::kAbort, std::nullopt, "",
     "Cannot pause flows with no state."},
    {"PauseNotRunning", state(StateType::kPending), state(StateType::kPaused), {}, SetStateStatus::kReject,
     std::nullopt, "", "Cannot pause flows that are not currently running."},
    {"SuspendNotRunning", state(StateType::kPending), state(StateType::kPaused, "Suspended"), {},
     SetStateStatus::kReject, std::nullopt, "", "Cannot suspend flows that are not currently running."},
    {"PauseRunning", state(StateType::kRunning), state(StateType::kPaused, "", {{"pause_key", "1"}}), {},
     SetStateStatus::kAccept, StateType::kPaused, "Paused", ""},
    {"PauseKeyAlreadyFired", state(StateType::kRunning), state(StateType::kPaused, "", {{"pause_key", "1"}}),
     with([](FlowRunTransition& t) { t.run.empirical_policy.pause_keys = {"1"}; }), SetStateStatus::kReject,
     std::nullopt, "", "This pause has already fired."},
    {"SuspendSubflow", state(StateType::kRunning), state(StateType::kPaused, "Suspended", {{"pause_reschedule", true}}),
     with([](FlowRunTransition& t) { t.run.parent_task_run_id = "task"; }), SetStateStatus::kAbort, std::nullopt, "",
     "Cannot suspend subflows."},
    {"SuspendWithoutDeployment", state(StateType::kRunning),
     state(StateType::kPaused, "Suspended", {{"pause_reschedule", true}}), {}, SetStateStatus::kAbort, std::nullopt,
     "", "Cannot suspend flows without a deployment."},
    // HandleResumingPausedFlows.
    {"PausedToRunning", state(StateType::kPaused), state(StateType::kRunning), {}, SetStateStatus::kAccept,
     StateType::kRunning, "Running", ""},
    {"PausedToPending", state(StateType::kPaused), state(StateType::kPending), {}, SetStateStatus::kReject,
     std::nullopt, "", "This run cannot transition to the StateType.PENDING state from the StateType.PAUSED state."},
    {"SuspendedRescheduleWithoutDeployment", state(StateType::kPaused, "Suspended", {{"pause_reschedule", true}}),
     state(StateType::kScheduled, "Resuming"), {}, SetStateStatus::kReject, std::nullopt, "",
     "Cannot reschedule a resuming flow run without a deployment."},
    {"PauseTimedOut", state(StateType::kPaused, "", {{"pause_timeout", "2026-01-01T00:00:30Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kReject, StateType::kFailed, "Failed",
     "The flow run pause has timed out and can no longer resume."},
    {"PauseNotYetTimedOut", state(StateType::kPaused, "", {{"pause_timeout", "2026-01-01T00:02:00Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"TimedOutPauseCanCancel", state(StateType::kPaused, "", {{"pause_timeout", "2026-01-01T00:00:30Z"}}),
     state(StateType::kCancelling), {}, SetStateStatus::kAccept, StateType::kCancelling, "Cancelling", ""},
    // WaitForScheduledTime.
    {"ScheduledInFuture", state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:01:05.200000Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kWait, std::nullopt, "", "Scheduled time is in the future"},
    {"ScheduledUnderHalfSecond", state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:01:00.400000Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"ScheduledInPast", state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:00:05Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kAccept, StateType::kRunning, "Running", ""},
    {"PendingWithFutureTime", state(StateType::kPending, "", {{"scheduled_time", "2026-01-01T00:03:00Z"}}),
     state(StateType::kRunning), {}, SetStateStatus::kWait, std::nullopt, "", "Scheduled time is in the future"},
    // RetryFailedFlows.
    {"FailedWithRetriesLeft", state(StateType::kRunning), state(StateType::kFailed),
     with([](FlowRunTransition& t) {
       t.run.empirical_policy.retries = 2;
       t.run.run_count = 2;
     }),
     SetStateStatus::kReject, StateType::kScheduled, "AwaitingRetry", "Retrying"},
    {"FailedRetriesExhausted", state(StateType::kRunning), state(StateType::kFailed),
     with([](FlowRunTransition& t) {
       t.run.empirical_policy.retries = 2;
       t.run.run_count = 3;
     }),
     SetStateStatus::kAccept, StateType::kFailed, "Failed", ""},
    {"FailedWithoutRetries", state(StateType::kRunning), state(StateType::kFailed), {}, SetStateStatus::kAccept,
     StateType::kFailed, "Failed", ""},
    {"ForcedFailedDoesNotRetry", state(StateType::kRunning), state(StateType::kFailed),
     with([](FlowRunTransition& t) {
       t.force = true;
       t.run.empirical_policy.retries = 2;
     }),
     SetStateStatus::kAccept, StateType::kFailed, "Failed", ""},
    // A flow's RUNNING after AwaitingRetry keeps its name: upstream's RenameReruns is a
    // task-only rule in this release.
    {"RunningAfterAwaitingRetry", state(StateType::kScheduled, "AwaitingRetry", {{"scheduled_time", "2026-01-01T00:00:59Z"}}),
     state(StateType::kRunning), with([](FlowRunTransition& t) { t.run.run_count = 1; }), SetStateStatus::kAccept,
     StateType::kRunning, "Running", ""},
};

INSTANTIATE_TEST_SUITE_P(Rules, FlowRunPolicyRules, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Verifies the global bookkeeping on PENDING → RUNNING → COMPLETED: state columns, start
// and end times, run time, run count, expected start time, flow_run_id in the details.
TEST(FlowRunPolicy, GlobalBookkeeping) {
  auto first = orchestrate_flow_run(transition(std::nullopt, state(StateType::kPending)));
  ASSERT_TRUE(first.written);
  EXPECT_EQ(first.run.state_id, "proposed-id");
  EXPECT_EQ(first.run.state_type, StateType::kPending);
  EXPECT_EQ(first.run.state_name, "Pending");
  EXPECT_EQ(first.run.state_timestamp, kNow);
  EXPECT_EQ(first.run.expected_start_time, kNow);
  EXPECT_EQ(first.run.run_count, 0);
  EXPECT_EQ(first.written->state_details.at("flow_run_id"), "run-1");
  EXPECT_TRUE(first.run_changed);

  auto t = transition(state(StateType::kPending), state(StateType::kRunning));
  t.run.expected_start_time = kEarlier;
  auto running = orchestrate_flow_run(t);
  EXPECT_EQ(running.run.run_count, 1);
  EXPECT_EQ(running.run.start_time, kNow);
  EXPECT_EQ(running.run.expected_start_time, kEarlier);
  EXPECT_FALSE(running.run.end_time);

  auto done_t = transition(state(StateType::kRunning), state(StateType::kCompleted));
  done_t.run.start_time = kEarlier;
  done_t.run.run_count = 1;
  done_t.run.total_run_time = std::chrono::seconds(5);
  auto done = orchestrate_flow_run(done_t);
  EXPECT_EQ(done.run.end_time, kNow);
  EXPECT_EQ(done.run.start_time, kEarlier);
  EXPECT_EQ(done.run.total_run_time, std::chrono::seconds(65));
  EXPECT_EQ(done.run.run_count, 1);
}

// Verifies SetEndTime sets start_time for runs that fail before running and clears
// end_time when a run leaves a final state.
TEST(FlowRunPolicy, EndTimeEdges) {
  auto failed = orchestrate_flow_run(transition(state(StateType::kPending), state(StateType::kFailed)));
  EXPECT_EQ(failed.run.start_time, kNow);
  EXPECT_EQ(failed.run.end_time, kNow);
  auto t = transition(state(StateType::kFailed), state(StateType::kRunning));
  t.run.end_time = kEarlier;
  t.run.empirical_policy.pause_keys = {"1"};
  t.run.empirical_policy.retry_type = "in_process";
  auto rerun = orchestrate_flow_run(t);
  EXPECT_FALSE(rerun.run.end_time);
  EXPECT_TRUE(rerun.run.empirical_policy.pause_keys.empty());
  EXPECT_FALSE(rerun.run.empirical_policy.retry_type);
}

// Verifies the terminal rule's policy reset is reverted when a later rule changes the
// transition (the rule fizzles).
TEST(FlowRunPolicy, TerminalPolicyResetRevertedWhenFizzled) {
  auto t = transition(state(StateType::kCancelled), state(StateType::kPending));
  t.run.empirical_policy.pause_keys = {"1"};
  t.run.empirical_policy.retry_type = "in_process";
  auto d = orchestrate_flow_run(t);
  EXPECT_EQ(to_string(d.status), "ABORT");
  EXPECT_EQ(d.run.empirical_policy.pause_keys, std::vector<std::string>{"1"});
  EXPECT_EQ(d.run.empirical_policy.retry_type, "in_process");
  EXPECT_FALSE(d.run_changed);
}

// Verifies RetryFailedFlows: AwaitingRetry at now + retry_delay carrying the failure's
// message and data; in-process retry bookkeeping; next_scheduled_start_time; run time.
TEST(FlowRunPolicy, RetryFailedFlowsDetails) {
  State failed = state(StateType::kFailed, "", {{"transition_id", "aaaaaaaa-0000-4000-8000-000000000009"}},
                       json::object{{"k", 1}});
  failed.message = "boom";
  auto t = transition(state(StateType::kRunning), failed);
  t.run.empirical_policy.retries = 1;
  t.run.empirical_policy.retry_delay = 3;
  t.run.empirical_policy.pause_keys = {"1"};
  t.run.run_count = 1;
  auto d = orchestrate_flow_run(t);
  ASSERT_TRUE(d.written);
  EXPECT_EQ(d.written->message, "boom");
  EXPECT_EQ(d.written->data, (json::object{{"k", 1}}));
  EXPECT_EQ(d.written->state_details.at("scheduled_time"), "2026-01-01T00:01:03Z");
  EXPECT_FALSE(d.written->state_details.contains("transition_id"));
  EXPECT_EQ(d.written->state_details.at("flow_run_id"), "run-1");
  EXPECT_EQ(d.run.empirical_policy.retry_type, "in_process");
  EXPECT_TRUE(d.run.empirical_policy.pause_keys.empty());
  EXPECT_EQ(d.run.next_scheduled_start_time, at("2026-01-01T00:01:03Z"));
  EXPECT_EQ(d.run.total_run_time, std::chrono::seconds(60));
  EXPECT_FALSE(d.run.end_time);

  // The retry that follows waits for the scheduled time, then runs.
  auto wait_t = transition(*d.written, state(StateType::kRunning));
  wait_t.run = d.run;
  auto wait = orchestrate_flow_run(wait_t);
  EXPECT_EQ(to_string(wait.status), "WAIT");
  EXPECT_EQ(wait.delay_seconds, 3);
  EXPECT_EQ(details_to_json(wait), (json::object{{"type", "wait_details"}, {"delay_seconds", 3},
                                                 {"reason", "Scheduled time is in the future"}}));
  wait_t.now = at("2026-01-01T00:01:04Z");
  wait_t.proposed.timestamp = wait_t.now;
  auto go = orchestrate_flow_run(wait_t);
  EXPECT_EQ(to_string(go.status), "ACCEPT");
  EXPECT_EQ(go.run.run_count, 2);
  EXPECT_FALSE(go.run.next_scheduled_start_time);
}

// Verifies the pause/resume bookkeeping: the pause key is recorded; resuming marks the run
// `resuming` (run_count still counts the resumed RUNNING, as upstream's hook order does);
// the next RUNNING or final state clears the indicator without counting.
TEST(FlowRunPolicy, PauseAndResumeBookkeeping) {
  auto pause_t = transition(state(StateType::kRunning), state(StateType::kPaused, "", {{"pause_key", "1"}}));
  pause_t.run.run_count = 1;
  auto paused = orchestrate_flow_run(pause_t);
  EXPECT_EQ(paused.run.empirical_policy.pause_keys, std::vector<std::string>{"1"});

  auto resume_t = transition(*paused.written, state(StateType::kRunning));
  resume_t.run = paused.run;
  auto resumed = orchestrate_flow_run(resume_t);
  EXPECT_TRUE(resumed.run.empirical_policy.resuming);
  EXPECT_EQ(resumed.run.run_count, 2);

  auto next_t = transition(*resumed.written, state(StateType::kRunning));
  next_t.run = resumed.run;
  next_t.force = true;
  auto next = orchestrate_flow_run(next_t);
  EXPECT_FALSE(next.run.empirical_policy.resuming);
  EXPECT_EQ(next.run.run_count, 2);

  // Without a client key the proposed state's id is the key.
  auto keyless = orchestrate_flow_run(transition(state(StateType::kRunning), state(StateType::kPaused)));
  EXPECT_EQ(keyless.run.empirical_policy.pause_keys, std::vector<std::string>{"proposed-id"});
}

// Verifies a blocking pause left for SCHEDULED resets pause metadata for a new attempt.
TEST(FlowRunPolicy, PausedToScheduledResetsPauseKeys) {
  auto t = transition(state(StateType::kPaused), state(StateType::kScheduled));
  t.run.empirical_policy.pause_keys = {"1"};
  auto d = orchestrate_flow_run(t);
  EXPECT_EQ(to_string(d.status), "ACCEPT");
  EXPECT_TRUE(d.run.empirical_policy.pause_keys.empty());
  EXPECT_FALSE(d.run.empirical_policy.resuming);
  EXPECT_EQ(d.run.empirical_policy.retry_type, "reschedule");
}

// Verifies subflow transforms: state_details.task_run_id = parent task run; the mirrored
// parent state carries child_flow_run_id and `now`.
TEST(FlowRunPolicy, SubflowStateDetailsAndMirror) {
  auto t = transition(state(StateType::kPending), state(StateType::kRunning));
  t.run.parent_task_run_id = "parent-task";
  auto d = orchestrate_flow_run(t);
  ASSERT_TRUE(d.written && d.parent_task_run_state);
  EXPECT_EQ(d.written->state_details.at("task_run_id"), "parent-task");
  EXPECT_EQ(d.parent_task_run_state->state_details.at("child_flow_run_id"), "run-1");
  EXPECT_EQ(d.parent_task_run_state->type, StateType::kRunning);
  EXPECT_TRUE(d.parent_task_run_state->id.empty());
  // Nothing mirrored when nothing is written.
  auto w = transition(state(StateType::kPending, "", {{"scheduled_time", "2026-01-01T00:09:00Z"}}),
                      state(StateType::kRunning));
  w.run.parent_task_run_id = "parent-task";
  EXPECT_FALSE(orchestrate_flow_run(w).parent_task_run_state);
}

// Verifies SCHEDULED bookkeeping: expected and next scheduled start times come from the
// state's scheduled_time.
TEST(FlowRunPolicy, ScheduledTimes) {
  auto d = orchestrate_flow_run(
      transition(std::nullopt, state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:05:00Z"}})));
  EXPECT_EQ(d.run.expected_start_time, at("2026-01-01T00:05:00Z"));
  EXPECT_EQ(d.run.next_scheduled_start_time, at("2026-01-01T00:05:00Z"));
  // CopyScheduledTime onto PENDING.
  auto p = orchestrate_flow_run(
      transition(state(StateType::kScheduled, "", {{"scheduled_time", "2026-01-01T00:00:30Z"}}),
                 state(StateType::kPending)));
  EXPECT_EQ(p.written->state_details.at("scheduled_time"), "2026-01-01T00:00:30Z");
}

// Verifies EnsureFlowRunStateTimestampIsUnique moves a colliding timestamp forward.
TEST(FlowRunPolicy, UniqueTimestamp) {
  auto t = transition(state(StateType::kPending), state(StateType::kRunning));
  t.taken_timestamps = {kNow, kNow + std::chrono::microseconds(1)};
  auto d = orchestrate_flow_run(t);
  EXPECT_EQ(d.written->timestamp, kNow + std::chrono::microseconds(2));
  EXPECT_EQ(d.run.state_timestamp, d.written->timestamp);
}

// Verifies the details object of each status.
TEST(FlowRunPolicy, DetailsJson) {
  FlowRunDecision d;
  EXPECT_EQ(details_to_json(d), (json::object{{"type", "accept_details"}}));
  d.status = SetStateStatus::kReject;
  d.reason = "r";
  EXPECT_EQ(details_to_json(d), (json::object{{"type", "reject_details"}, {"reason", "r"}}));
  d.status = SetStateStatus::kAbort;
  EXPECT_EQ(details_to_json(d), (json::object{{"type", "abort_details"}, {"reason", "r"}}));
}


// --- Deployment concurrency ------------------------------------------------------------

using Kind = LeaseAction::Kind;

// A transition of a deployment run whose deployment has a limit of `limit` with `active`
// slots taken, from a 3.9.1 client.
FlowRunTransition deployment_transition(std::optional<State> initial, State proposed, int64_t limit = 1,
                                        int64_t active = 0) {
  FlowRunTransition t = transition(std::move(initial), std::move(proposed));
  t.run.deployment_id = "deployment-1";
  t.client_version = "3.9.1";
  t.deployment_concurrency.limit = DeploymentConcurrency::Limit{"limit-1", limit, active, true};
  t.new_lease_id = "new-lease";
  return t;
}

std::optional<std::string> lease_of(const std::optional<State>& s) {
  if (!s) return std::nullopt;
  auto it = s->state_details.find("deployment_concurrency_lease_id");
  if (it == s->state_details.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

// Verifies SCHEDULED → PENDING with a free slot takes it under a new lease of the default
// length, and the PENDING state names the lease.
TEST(DeploymentConcurrency, PendingTakesAFreeSlot) {
  auto d = orchestrate_flow_run(deployment_transition(state(StateType::kScheduled), state(StateType::kPending)));
  EXPECT_EQ(d.status, SetStateStatus::kAccept);
  ASSERT_EQ(d.lease_actions.size(), 1u);
  EXPECT_EQ(d.lease_actions[0], (LeaseAction{Kind::kTake, "new-lease", "limit-1", 300, false}));
  EXPECT_EQ(lease_of(d.written), "new-lease");
}

// Verifies the lease length follows concurrency_options.grace_period_seconds when set.
TEST(DeploymentConcurrency, GracePeriodSetsTheLeaseLength) {
  auto t = deployment_transition(std::nullopt, state(StateType::kPending));
  t.deployment_concurrency.options_set = true;
  t.deployment_concurrency.grace_period_seconds = 120;
  auto d = orchestrate_flow_run(t);
  ASSERT_EQ(d.lease_actions.size(), 1u);
  EXPECT_EQ(d.lease_actions[0].lease_seconds, 120);
}

// Verifies a full limit (ENQUEUE, the default) rejects PENDING into an AwaitingConcurrencySlot
// SCHEDULED state slot_wait_seconds ahead, taking nothing.
TEST(DeploymentConcurrency, FullLimitEnqueues) {
  auto t = deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 1, 1);
  t.concurrency_settings.slot_wait_seconds = 5;
  auto d = orchestrate_flow_run(t);
  EXPECT_EQ(d.status, SetStateStatus::kReject);
  ASSERT_TRUE(d.written);
  EXPECT_EQ(d.written->type, StateType::kScheduled);
  EXPECT_EQ(d.written->name, "AwaitingConcurrencySlot");
  EXPECT_EQ(d.written->state_details.at("scheduled_time"), "2026-01-01T00:01:05Z");
  EXPECT_EQ(d.reason, "Deployment concurrency limit reached.");
  EXPECT_TRUE(d.lease_actions.empty());
  EXPECT_EQ(d.run.next_scheduled_start_time, at("2026-01-01T00:01:05Z"));
}

// Verifies CANCEL_NEW cancels the run when the limit is full.
TEST(DeploymentConcurrency, FullLimitCancelsNew) {
  auto t = deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 2, 2);
  t.deployment_concurrency.options_set = true;
  t.deployment_concurrency.collision_strategy = CollisionStrategy::kCancelNew;
  auto d = orchestrate_flow_run(t);
  EXPECT_EQ(d.status, SetStateStatus::kReject);
  ASSERT_TRUE(d.written);
  EXPECT_EQ(d.written->type, StateType::kCancelled);
  EXPECT_EQ(d.written->message, "Deployment concurrency limit reached.");
  EXPECT_TRUE(d.lease_actions.empty());
}

// Verifies an inactive limit counts as full, as upstream's conditional increment does.
TEST(DeploymentConcurrency, InactiveLimitIsFull) {
  auto t = deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 3, 0);
  t.deployment_concurrency.limit->active = false;
  auto d = orchestrate_flow_run(t);
  ASSERT_TRUE(d.written);
  EXPECT_EQ(d.written->name, "AwaitingConcurrencySlot");
}

// Verifies the aborts: a limit of 0, and a run whose deployment is gone.
TEST(DeploymentConcurrency, Aborts) {
  auto zero = orchestrate_flow_run(deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 0));
  EXPECT_EQ(zero.status, SetStateStatus::kAbort);
  EXPECT_EQ(zero.reason, "The deployment concurrency limit is 0. The flow will deadlock if submitted again.");
  auto t = deployment_transition(state(StateType::kScheduled), state(StateType::kPending));
  t.deployment_concurrency = DeploymentConcurrency{};
  t.deployment_concurrency.deployment_found = false;
  auto gone = orchestrate_flow_run(t);
  EXPECT_EQ(gone.status, SetStateStatus::kAbort);
  EXPECT_EQ(gone.reason, "Deployment not found.");
}

// Verifies runs without a deployment, deployments without a limit, forced transitions and
// the worker versions that manage concurrency themselves take nothing.
TEST(DeploymentConcurrency, NothingToEnforce) {
  auto no_deployment = transition(state(StateType::kScheduled), state(StateType::kPending));
  EXPECT_TRUE(orchestrate_flow_run(no_deployment).lease_actions.empty());
  auto no_limit = deployment_transition(state(StateType::kScheduled), state(StateType::kPending));
  no_limit.deployment_concurrency.limit.reset();
  auto d = orchestrate_flow_run(no_limit);
  EXPECT_EQ(d.status, SetStateStatus::kAccept);
  EXPECT_TRUE(d.lease_actions.empty());
  auto forced = deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 1, 1);
  forced.force = true;
  EXPECT_EQ(orchestrate_flow_run(forced).status, SetStateStatus::kAccept);
  auto old_worker = deployment_transition(state(StateType::kScheduled), state(StateType::kPending), 1, 1);
  old_worker.client_version = "3.0.2";
  EXPECT_EQ(orchestrate_flow_run(old_worker).status, SetStateStatus::kAccept);
}

// Verifies PENDING → PENDING sub-states keep the lease without taking another slot.
TEST(DeploymentConcurrency, PendingSubStateKeepsTheLease) {
  auto d = orchestrate_flow_run(deployment_transition(
      state(StateType::kPending, "Pending", {{"deployment_concurrency_lease_id", "lease-1"}}),
      state(StateType::kPending, "Submitting", {{"deployment_concurrency_lease_id", nullptr}}), 1, 1));
  EXPECT_EQ(d.status, SetStateStatus::kAccept);
  EXPECT_TRUE(d.lease_actions.empty());
  EXPECT_EQ(lease_of(d.written), "lease-1");
}

// Verifies PENDING → RUNNING carries the lease: renewed for a client that renews leases,
// retaken when it lapsed and a slot is free, else the run is cancelled.
TEST(DeploymentConcurrency, RunningValidatesTheLease) {
  State pending = state(StateType::kPending, "Pending", {{"deployment_concurrency_lease_id", "lease-1"}});
  auto live = deployment_transition(pending, state(StateType::kRunning), 1, 1);
  live.deployment_concurrency.current_lease_live = true;
  auto renewed = orchestrate_flow_run(live);
  EXPECT_EQ(renewed.status, SetStateStatus::kAccept);
  EXPECT_EQ(lease_of(renewed.written), "lease-1");
  ASSERT_EQ(renewed.lease_actions.size(), 1u);
  EXPECT_EQ(renewed.lease_actions[0], (LeaseAction{Kind::kRenew, "lease-1", "", 300, false}));

  auto lapsed = orchestrate_flow_run(deployment_transition(pending, state(StateType::kRunning), 1, 0));
  EXPECT_EQ(lapsed.status, SetStateStatus::kAccept);
  EXPECT_EQ(lease_of(lapsed.written), "new-lease");
  ASSERT_EQ(lapsed.lease_actions.size(), 1u);
  EXPECT_EQ(lapsed.lease_actions[0], (LeaseAction{Kind::kTake, "new-lease", "limit-1", 300, true}));

  auto lost = orchestrate_flow_run(deployment_transition(pending, state(StateType::kRunning), 1, 1));
  EXPECT_EQ(lost.status, SetStateStatus::kReject);
  ASSERT_TRUE(lost.written);
  EXPECT_EQ(lost.written->type, StateType::kCancelled);
  EXPECT_EQ(lost.reason, "Deployment concurrency limit reached after lease expiry.");
}

// Verifies a client older than 3.4.11 (or none) has its lease revoked at RUNNING, keeping
// the slot; the lease id stays on the RUNNING state.
TEST(DeploymentConcurrency, OldClientsLoseTheLeaseAtRunning) {
  for (std::optional<std::string> version : {std::optional<std::string>("3.4.10"), std::optional<std::string>()}) {
    auto t = deployment_transition(
        state(StateType::kPending, "Pending", {{"deployment_concurrency_lease_id", "lease-1"}}),
        state(StateType::kRunning), 1, 1);
    t.client_version = version;
    auto d = orchestrate_flow_run(t);
    EXPECT_EQ(d.status, SetStateStatus::kAccept);
    EXPECT_EQ(lease_of(d.written), "lease-1");
    ASSERT_EQ(d.lease_actions.size(), 1u);
    EXPECT_EQ(d.lease_actions[0], (LeaseAction{Kind::kRevoke, "lease-1", "", 0, false}));
  }
}

// Verifies leaving the active states releases the slot: the lease when the state names one
// (the limit as fallback), else one slot of the limit; forced transitions too.
TEST(DeploymentConcurrency, LeavingActiveStatesReleases) {
  auto with_lease = orchestrate_flow_run(deployment_transition(
      state(StateType::kRunning, "Running", {{"deployment_concurrency_lease_id", "lease-1"}}),
      state(StateType::kCompleted), 1, 1));
  ASSERT_EQ(with_lease.lease_actions.size(), 1u);
  EXPECT_EQ(with_lease.lease_actions[0], (LeaseAction{Kind::kRelease, "lease-1", "limit-1", 0, false}));

  auto forced = deployment_transition(state(StateType::kPending, "Pending", {{"deployment_concurrency_lease_id", "lease-1"}}),
                                      state(StateType::kCancelled), 1, 1);
  forced.force = true;
  auto f = orchestrate_flow_run(forced);
  ASSERT_EQ(f.lease_actions.size(), 1u);
  EXPECT_EQ(f.lease_actions[0].kind, Kind::kRelease);

  auto no_lease = orchestrate_flow_run(
      deployment_transition(state(StateType::kRunning), state(StateType::kFailed), 1, 1));
  ASSERT_EQ(no_lease.lease_actions.size(), 1u);
  EXPECT_EQ(no_lease.lease_actions[0], (LeaseAction{Kind::kFreeSlot, "", "limit-1", 0, false}));

  // Not from SCHEDULED, nor between active states.
  EXPECT_TRUE(orchestrate_flow_run(deployment_transition(state(StateType::kScheduled), state(StateType::kCancelled)))
                  .lease_actions.empty());
  EXPECT_TRUE(orchestrate_flow_run(deployment_transition(state(StateType::kRunning), state(StateType::kCancelling)))
                  .lease_actions.empty());
}

// Verifies an in-process retry (RetryFailedFlows' AwaitingRetry rejection) keeps its slot
// and lease, while the final failure releases it.
TEST(DeploymentConcurrency, InProcessRetryKeepsTheSlot) {
  State running = state(StateType::kRunning, "Running", {{"deployment_concurrency_lease_id", "lease-1"}});
  auto t = deployment_transition(running, state(StateType::kFailed), 1, 1);
  t.run.run_count = 1;
  t.run.empirical_policy.retries = 1;
  auto retry = orchestrate_flow_run(t);
  EXPECT_EQ(retry.status, SetStateStatus::kReject);
  EXPECT_EQ(retry.written->name, "AwaitingRetry");
  EXPECT_EQ(lease_of(retry.written), "lease-1");
  EXPECT_TRUE(retry.lease_actions.empty());
  t.run.run_count = 2;
  auto failed = orchestrate_flow_run(t);
  EXPECT_EQ(failed.written->type, StateType::kFailed);
  ASSERT_EQ(failed.lease_actions.size(), 1u);
  EXPECT_EQ(failed.lease_actions[0].kind, Kind::kRelease);
}

// Verifies a slot taken by a transition that a later rule changes is given back: a PAUSED
// run may not go PENDING (HandleResumingPausedFlows), so SecureFlowConcurrencySlots fizzles.
TEST(DeploymentConcurrency, FizzledTakeIsUndone) {
  auto d = orchestrate_flow_run(deployment_transition(state(StateType::kPaused), state(StateType::kPending)));
  EXPECT_EQ(d.status, SetStateStatus::kReject);
  EXPECT_TRUE(d.lease_actions.empty());
}

// --- MarkLateRunsPolicy ----------------------------------------------------------------

// A late-runs proposal (Scheduled → Late) for a run of a deployment whose limit is `limit`
// with `active` slots taken and whose collision strategy is CANCEL_NEW.
FlowRunTransition mark_late(int64_t limit, int64_t active, std::optional<CollisionStrategy> strategy) {
  auto t = deployment_transition(state(StateType::kScheduled, "Scheduled", {{"scheduled_time", "2026-01-01T00:00:00Z"}}),
                                 state(StateType::kScheduled, "Late", {{"scheduled_time", "2026-01-01T00:00:00Z"}}),
                                 limit, active);
  t.mark_late = true;
  t.client_version.reset();  // the server's own proposal
  if (strategy) {
    t.deployment_concurrency.options_set = true;
    t.deployment_concurrency.collision_strategy = *strategy;
  }
  return t;
}

// Verifies EnforceDeploymentConcurrencyOnLate: a run of a CANCEL_NEW deployment whose limit
// is full is cancelled instead of being marked Late (the limit's active flag aside, as
// upstream), with upstream's message and reason, and no slot or lease is touched.
TEST(MarkLateRunsPolicy, FullCancelNewLimitCancelsInsteadOfLate) {
  for (bool active : {true, false}) {
    auto t = mark_late(2, 2, CollisionStrategy::kCancelNew);
    t.deployment_concurrency.limit->active = active;
    auto d = orchestrate_flow_run(t);
    EXPECT_EQ(d.status, SetStateStatus::kReject);
    ASSERT_TRUE(d.written);
    EXPECT_EQ(d.written->type, StateType::kCancelled);
    EXPECT_EQ(d.written->name, "Cancelled");
    EXPECT_EQ(d.written->message, "Deployment concurrency limit reached.");
    EXPECT_EQ(d.reason, "Deployment concurrency limit is full and uses the CANCEL_NEW strategy.");
    EXPECT_EQ(d.run.state_type, StateType::kCancelled);
    EXPECT_TRUE(d.run.end_time.has_value());
    EXPECT_TRUE(d.lease_actions.empty());
  }
}

// Verifies the Late state is written when the rule does not apply: a free slot, the
// ENQUEUE strategy (set or by default), no limit, no deployment, a deployment gone.
TEST(MarkLateRunsPolicy, LateWhenTheRuleDoesNotApply) {
  std::vector<FlowRunTransition> cases = {mark_late(2, 1, CollisionStrategy::kCancelNew),
                                          mark_late(1, 1, CollisionStrategy::kEnqueue), mark_late(1, 1, std::nullopt)};
  cases.push_back(mark_late(1, 1, CollisionStrategy::kCancelNew));
  cases.back().deployment_concurrency.limit.reset();
  cases.push_back(mark_late(1, 1, CollisionStrategy::kCancelNew));
  cases.back().run.deployment_id.reset();
  cases.push_back(mark_late(1, 1, CollisionStrategy::kCancelNew));
  cases.back().deployment_concurrency.deployment_found = false;
  for (const auto& t : cases) {
    auto d = orchestrate_flow_run(t);
    EXPECT_EQ(d.status, SetStateStatus::kAccept);
    ASSERT_TRUE(d.written);
    EXPECT_EQ(d.written->type, StateType::kScheduled);
    EXPECT_EQ(d.written->name, "Late");
    EXPECT_TRUE(d.lease_actions.empty());
  }
}

// Verifies the rule belongs to MarkLateRunsPolicy only: a Late state proposed through
// set_state (the core policy) is accepted even when a CANCEL_NEW limit is full; and
// EnsureOnlyScheduledFlowsMarkedLate still guards the late-runs proposals.
TEST(MarkLateRunsPolicy, OnlyTheLateRunsServiceCancels) {
  auto core_policy = mark_late(1, 1, CollisionStrategy::kCancelNew);
  core_policy.mark_late = false;
  auto d = orchestrate_flow_run(core_policy);
  EXPECT_EQ(d.status, SetStateStatus::kAccept);
  EXPECT_EQ(d.written->name, "Late");

  auto already = mark_late(1, 1, CollisionStrategy::kCancelNew);
  already.initial->name = "Late";
  auto again = orchestrate_flow_run(already);
  EXPECT_EQ(again.status, SetStateStatus::kReject);
  EXPECT_FALSE(again.written);
  EXPECT_EQ(again.reason, "This flow run is already marked late.");
}

}  // namespace
}  // namespace praetor::orchestration
