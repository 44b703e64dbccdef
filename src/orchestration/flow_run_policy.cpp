#include "orchestration/flow_run_policy.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <memory>

#include "core/uuid.h"

namespace praetor::orchestration {

namespace json = boost::json;
using core::State;
using core::StateType;
using core::Timestamp;

namespace {

// State types as bit positions; "no state" is its own position, as Python's None is a
// member of ALL_ORCHESTRATION_STATES.
constexpr int kNoState = 9;
using TypeSet = std::bitset<10>;

int slot(const std::optional<State>& s) { return s ? static_cast<int>(s->type) : kNoState; }

TypeSet types(std::initializer_list<StateType> list) {
  TypeSet set;
  for (StateType t : list) set.set(static_cast<int>(t));
  return set;
}
TypeSet all_states() { return TypeSet().set(); }
TypeSet terminal_states() {
  return types({StateType::kCompleted, StateType::kFailed, StateType::kCancelled, StateType::kCrashed});
}

// state_details accessors (details are kept as sent; absent and null mean the default).
const json::value* detail(const State& s, std::string_view key) {
  auto it = s.state_details.find(key);
  if (it == s.state_details.end() || it->value().is_null()) return nullptr;
  return &it->value();
}
std::optional<std::string> detail_string(const State& s, std::string_view key) {
  const json::value* v = detail(s, key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}
std::optional<Timestamp> detail_time(const State& s, std::string_view key) {
  auto text = detail_string(s, key);
  if (!text) return std::nullopt;
  return core::parse_timestamp(*text);
}
bool detail_flag(const State& s, std::string_view key) {
  const json::value* v = detail(s, key);
  return v && v->is_bool() && v->get_bool();
}

// A new state as Prefect's state constructors make it (states.py Cancelled(), Failed(),
// AwaitingRetry()): fresh details, the proposed state's id, timestamp `now`.
State new_state(const State& proposed, Timestamp now, StateType type, std::string name) {
  State s;
  s.id = proposed.id;
  s.type = type;
  s.name = std::move(name);
  s.timestamp = now;
  return s;
}

// _has_persisted_result: result metadata that is not the "unpersisted" marker.
bool has_persisted_result(const json::value& data) {
  if (!data.is_object()) return false;
  auto it = data.get_object().find("type");
  return it == data.get_object().end() || it->value() != "unpersisted";
}
// Python truthiness of state.data.
bool truthy(const json::value& v) {
  if (v.is_null()) return false;
  if (v.is_object()) return !v.get_object().empty();
  if (v.is_array()) return !v.get_array().empty();
  if (v.is_string()) return !v.get_string().empty();
  if (v.is_bool()) return v.get_bool();
  if (v.is_number()) return v.to_number<double>() != 0;
  return true;
}

bool is_running(const std::optional<State>& s) { return s && s->type == StateType::kRunning; }
bool is_scheduled(const std::optional<State>& s) { return s && s->type == StateType::kScheduled; }

struct Context {
  const FlowRunTransition* in = nullptr;
  std::vector<LeaseAction> actions;
  Timestamp now;
  core::FlowRun run;
  std::optional<State> initial;
  std::optional<State> proposed;
  std::optional<State> validated;
  std::vector<Timestamp> taken_timestamps;
  SetStateStatus status = SetStateStatus::kAccept;
  std::optional<std::string> reason;
  int64_t delay_seconds = 0;

  bool nullified() const { return !proposed.has_value(); }
};

// One orchestration rule (rules.py BaseOrchestrationRule).
class Rule {
 public:
  virtual ~Rule() = default;
  virtual TypeSet from_states() const = 0;
  virtual TypeSet to_states() const = 0;
  virtual void before(Context&) {}
  virtual void after(Context&) {}
  virtual void cleanup(Context&) {}

  int from_slot = kNoState;
  int to_slot = kNoState;
  bool invalid_on_entry = false;

  bool transition_changed(const Context& c) const {
    return slot(c.initial) != from_slot || slot(c.proposed) != to_slot;
  }

 protected:
  // reject_transition: `state` replaces the proposal; nullopt keeps the current state.
  void reject(Context& c, std::optional<State> state, std::string reason) {
    to_slot = slot(state);
    c.proposed = std::move(state);
    c.status = SetStateStatus::kReject;
    c.reason = std::move(reason);
  }
  void delay(Context& c, int64_t seconds, std::string reason) {
    to_slot = kNoState;
    c.proposed.reset();
    c.status = SetStateStatus::kWait;
    c.delay_seconds = seconds;
    c.reason = std::move(reason);
  }
  void abort(Context& c, std::string reason) {
    to_slot = kNoState;
    c.proposed.reset();
    c.status = SetStateStatus::kAbort;
    c.reason = std::move(reason);
  }
};

// A rule from the scope of `Rule` whose (from, to) sets are fixed at construction.
template <class Derived>
class SimpleRule : public Rule {
 public:
  TypeSet from_states() const override { return Derived::from(); }
  TypeSet to_states() const override { return Derived::to(); }
};

// --- CoreFlowPolicy rules ---------------------------------------------------------------

// PreventDuplicateTransitions: a retried request carrying the transition_id of the
// current state gets the current state back instead of a second write.
class PreventDuplicateTransitions : public SimpleRule<PreventDuplicateTransitions> {
 public:
  static TypeSet from() { return all_states(); }
  static TypeSet to() { return all_states(); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    auto current = detail_string(*c.initial, "transition_id");
    auto proposed = detail_string(*c.proposed, "transition_id");
    if (!current || !proposed) return;
    if (core::parse_uuid(*current) == core::parse_uuid(*proposed)) {
      reject(c, std::nullopt, "This run has already made this state transition.");
    }
  }
};

// HandleFlowTerminalStateTransitions: guards leaving a terminal state; resets pause and
// retry metadata when a run leaves one (reverted if the transition changes afterwards).
class HandleFlowTerminalStateTransitions : public SimpleRule<HandleFlowTerminalStateTransitions> {
 public:
  static TypeSet from() { return terminal_states(); }
  static TypeSet to() { return all_states(); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    original_policy_ = c.run.empirical_policy;
    const State& initial = *c.initial;
    const State& proposed = *c.proposed;
    if (proposed.type == StateType::kCancelling || proposed.type == StateType::kPaused ||
        proposed.type == StateType::kCrashed) {
      abort(c, "Run is already in terminal state " + std::string(core::to_string(initial.type)) + ".");
      return;
    }
    bool initial_has_result = initial.type == StateType::kCompleted && truthy(initial.data) &&
                              has_persisted_result(initial.data);
    if (initial_has_result && !core::is_final(proposed.type)) {
      reject(c, std::nullopt, "Run is already COMPLETED.");
      return;
    }
    if (initial_has_result && proposed.type == StateType::kCompleted && !has_persisted_result(proposed.data)) {
      reject(c, std::nullopt,
             "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.");
      return;
    }
    if (proposed.type == StateType::kScheduled && !c.run.deployment_id) {
      abort(c, "Cannot reschedule a run without an associated deployment.");
      return;
    }
    if (!core::is_final(proposed.type)) {
      c.run.empirical_policy.resuming = false;
      c.run.empirical_policy.pause_keys.clear();
      if (proposed.type == StateType::kScheduled) {
        c.run.empirical_policy.retry_type = "reschedule";
      } else {
        c.run.empirical_policy.retry_type.reset();
      }
    }
  }
  void cleanup(Context& c) override {
    if (original_policy_) c.run.empirical_policy = *original_policy_;
  }

 private:
  std::optional<core::FlowRunPolicy> original_policy_;
};

// PreventResultDataLoss (MinimalFlowPolicy): the forced-path guard against replacing a
// Completed state's persisted result with none.
class PreventResultDataLoss : public SimpleRule<PreventResultDataLoss> {
 public:
  static TypeSet from() { return terminal_states(); }
  static TypeSet to() { return terminal_states(); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    if (c.initial->type == StateType::kCompleted && c.proposed->type == StateType::kCompleted &&
        truthy(c.initial->data) && has_persisted_result(c.initial->data) &&
        !has_persisted_result(c.proposed->data)) {
      reject(c, std::nullopt,
             "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.");
    }
  }
};

// EnforceCancellingToCancelledTransition: a cancelling run may only become Cancelled.
class EnforceCancellingToCancelledTransition : public SimpleRule<EnforceCancellingToCancelledTransition> {
 public:
  static TypeSet from() { return types({StateType::kCancelling}); }
  static TypeSet to() { return all_states().reset(static_cast<int>(StateType::kCancelled)); }
  void before(Context& c) override {
    reject(c, std::nullopt, "Cannot transition flows that are cancelling to a state other than Cancelled.");
  }
};

// BypassCancellingFlowRunsWithNoInfra: nothing to tear down, so cancel outright.
class BypassCancellingFlowRunsWithNoInfra : public SimpleRule<BypassCancellingFlowRunsWithNoInfra> {
 public:
  static TypeSet from() { return types({StateType::kScheduled, StateType::kPaused}); }
  static TypeSet to() { return types({StateType::kCancelling}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    bool no_infra = c.initial->type == StateType::kScheduled &&
                    (!c.run.infrastructure_pid || c.run.infrastructure_pid->empty());
    if (no_infra || c.initial->name == "Resuming") {
      reject(c, new_state(*c.proposed, c.now, StateType::kCancelled, "Cancelled"),
             "Scheduled flow run has no infrastructure to terminate.");
    } else if (c.initial->type == StateType::kPaused && detail_flag(*c.initial, "pause_reschedule")) {
      reject(c, new_state(*c.proposed, c.now, StateType::kCancelled, "Cancelled"),
             "Suspended flow run has no infrastructure to terminate.");
    }
  }
};

// PreventPendingTransitions: guards duplicate submissions; named PENDING sub-states
// (Pending → Submitting → …) are allowed and inherit the scheduling details.
class PreventPendingTransitions : public SimpleRule<PreventPendingTransitions> {
 public:
  static TypeSet from() {
    return types({StateType::kPending, StateType::kCancelling, StateType::kRunning, StateType::kCancelled});
  }
  static TypeSet to() { return types({StateType::kPending}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    if (c.initial->type == StateType::kPending && c.initial->name != c.proposed->name &&
        c.proposed->name != "Pending") {
      for (const char* key : {"scheduled_time", "deployment_concurrency_lease_id"}) {
        const json::value* v = detail(*c.initial, key);
        c.proposed->state_details[key] = v ? *v : json::value(nullptr);
      }
      return;
    }
    abort(c, "This run is in a " + std::string(core::to_string(c.initial->type)) +
                 " state and cannot transition to a PENDING state.");
  }
};

// EnsureOnlyScheduledFlowsMarkedLate.
class EnsureOnlyScheduledFlowsMarkedLate : public SimpleRule<EnsureOnlyScheduledFlowsMarkedLate> {
 public:
  static TypeSet from() { return all_states(); }
  static TypeSet to() { return types({StateType::kScheduled}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    if (c.proposed->type != StateType::kScheduled || c.proposed->name != "Late") return;
    if (c.initial->type != StateType::kScheduled) {
      reject(c, std::nullopt, "Only scheduled flows can be marked late.");
    } else if (c.initial->name == "Late") {
      reject(c, std::nullopt, "This flow run is already marked late.");
    }
  }
};

// HandlePausingFlows: only running runs pause, each pause key fires once; the key is
// recorded in empirical_policy.pause_keys. Without a client-sent key Prefect mints a
// uuid4; here the proposed state's (unique) id serves, keeping the rule pure.
class HandlePausingFlows : public SimpleRule<HandlePausingFlows> {
 public:
  static TypeSet from() { return all_states(); }
  static TypeSet to() { return types({StateType::kPaused}); }
  void before(Context& c) override {
    if (!c.proposed) return;
    std::string verb = c.proposed->name == "Suspended" ? "suspend" : "pause";
    if (!c.initial) {
      abort(c, "Cannot " + verb + " flows with no state.");
      return;
    }
    if (c.initial->type != StateType::kRunning) {
      reject(c, std::nullopt, "Cannot " + verb + " flows that are not currently running.");
      return;
    }
    key_ = detail_string(*c.proposed, "pause_key").value_or(c.proposed->id);
    if (c.run.empirical_policy.has_pause_key(*key_)) {
      reject(c, std::nullopt, "This " + verb + " has already fired.");
      return;
    }
    if (detail_flag(*c.proposed, "pause_reschedule")) {
      if (c.run.parent_task_run_id) {
        abort(c, "Cannot " + verb + " subflows.");
        return;
      }
      if (!c.run.deployment_id) {
        abort(c, "Cannot " + verb + " flows without a deployment.");
        return;
      }
    }
  }
  void after(Context& c) override {
    if (key_) c.run.empirical_policy.add_pause_key(*key_);
  }

 private:
  std::optional<std::string> key_;
};

// HandleResumingPausedFlows: a paused run may only run, reschedule, cancel or finish; an
// expired pause_timeout fails it; a resumed run is marked `resuming` so the run count does
// not grow again on its next RUNNING.
class HandleResumingPausedFlows : public SimpleRule<HandleResumingPausedFlows> {
 public:
  static TypeSet from() { return types({StateType::kPaused}); }
  static TypeSet to() { return all_states(); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    const State& proposed = *c.proposed;
    bool allowed = proposed.type == StateType::kRunning || proposed.type == StateType::kScheduled ||
                   proposed.type == StateType::kCancelling || core::is_final(proposed.type);
    if (!allowed) {
      reject(c, std::nullopt,
             // Upstream formats the enum members themselves ("StateType.PENDING").
             "This run cannot transition to the StateType." + std::string(core::to_string(proposed.type)) +
                 " state from the StateType." + std::string(core::to_string(c.initial->type)) + " state.");
      return;
    }
    std::string verb = proposed.name == "Suspended" ? "suspend" : "pause";
    std::string display = proposed.name;
    if (display.empty()) display = std::string(core::to_string(proposed.type));
    std::transform(display.begin(), display.end(), display.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (detail_flag(*c.initial, "pause_reschedule") && !c.run.deployment_id) {
      reject(c, std::nullopt, "Cannot reschedule a " + display + " flow run without a deployment.");
      return;
    }
    if (proposed.type == StateType::kCancelling) return;
    auto timeout = detail_time(*c.initial, "pause_timeout");
    if (timeout && *timeout < c.now) {
      State failed = new_state(proposed, c.now, StateType::kFailed, "Failed");
      failed.message = "The flow was " + display + " and never resumed.";
      reject(c, std::move(failed), "The flow run " + verb + " has timed out and can no longer resume.");
    }
  }
  void after(Context& c) override {
    if (c.initial && !detail_flag(*c.initial, "pause_reschedule") && is_scheduled(c.validated)) {
      c.run.empirical_policy.resuming = false;
      c.run.empirical_policy.pause_keys.clear();
      c.run.empirical_policy.retry_type = "reschedule";
    } else {
      c.run.empirical_policy.resuming = true;
    }
  }
};

// CopyScheduledTime: PENDING inherits the SCHEDULED state's time unless it brings one.
class CopyScheduledTime : public SimpleRule<CopyScheduledTime> {
 public:
  static TypeSet from() { return types({StateType::kScheduled}); }
  static TypeSet to() { return types({StateType::kPending}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    if (detail(*c.proposed, "scheduled_time")) return;
    const json::value* v = detail(*c.initial, "scheduled_time");
    c.proposed->state_details["scheduled_time"] = v ? *v : json::value(nullptr);
  }
};

// WaitForScheduledTime: no RUNNING before the current state's scheduled time; the delay is
// floor(seconds) plus the rounded fraction, as upstream computes it from a timedelta.
class WaitForScheduledTime : public SimpleRule<WaitForScheduledTime> {
 public:
  static TypeSet from() { return types({StateType::kScheduled, StateType::kPending}); }
  static TypeSet to() { return types({StateType::kRunning}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    auto scheduled = detail_time(*c.initial, "scheduled_time");
    if (!scheduled) return;
    int64_t us = (*scheduled - c.now).count();
    int64_t whole = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);  // floor division
    int64_t fraction = us - whole * 1000000;                               // [0, 1e6)
    int64_t seconds = whole + (fraction > 500000 ? 1 : 0);  // Python round(): half to even → 0
    if (seconds > 0) delay(c, seconds, "Scheduled time is in the future");
  }
};

// RetryFailedFlows: while retries remain, FAILED becomes AwaitingRetry (SCHEDULED at
// now + retry_delay) and the run's retry bookkeeping is reset for an in-process retry.
class RetryFailedFlows : public SimpleRule<RetryFailedFlows> {
 public:
  static TypeSet from() { return types({StateType::kRunning}); }
  static TypeSet to() { return types({StateType::kFailed}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    auto& policy = c.run.empirical_policy;
    if (!policy.retries || c.run.run_count > *policy.retries) {
      policy.retry_type.reset();
      return;
    }
    Timestamp scheduled = c.now + std::chrono::seconds(policy.retry_delay.value_or(0));
    policy.resuming = false;
    policy.pause_keys.clear();
    policy.retry_type = "in_process";
    State retry = new_state(*c.proposed, c.now, StateType::kScheduled, "AwaitingRetry");
    retry.message = c.proposed->message;
    retry.data = c.proposed->data;
    retry.state_details["scheduled_time"] = core::format_timestamp(scheduled);
    if (const json::value* lease = detail(*c.initial, "deployment_concurrency_lease_id")) {
      retry.state_details["deployment_concurrency_lease_id"] = *lease;
    }
    reject(c, std::move(retry), "Retrying");
  }
};


// --- Deployment concurrency --------------------------------------------------------------

constexpr const char* kLeaseKey = "deployment_concurrency_lease_id";

bool is_active_type(StateType t) {
  return t == StateType::kPending || t == StateType::kRunning || t == StateType::kCancelling;
}

// Prefect's client versions: "3.4.11", "3.5.0rc1", "3.9.1+12.gabc". True when `version` is
// at least major.minor.patch (a pre-release suffix sorts before its release, a local one
// after); false when it is unknown or does not parse.
bool version_at_least(const std::optional<std::string>& version, int major, int minor, int patch) {
  if (!version) return false;
  int parts[3] = {0, 0, 0};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t start = pos;
    while (pos < version->size() && std::isdigit(static_cast<unsigned char>((*version)[pos]))) ++pos;
    if (pos == start) return false;
    parts[i] = std::stoi(version->substr(start, pos - start));
    if (i < 2) {
      if (pos >= version->size() || (*version)[pos] != '.') return false;
      ++pos;
    }
  }
  int want[3] = {major, minor, patch};
  for (int i = 0; i < 3; ++i) {
    if (parts[i] != want[i]) return parts[i] > want[i];
  }
  bool pre_release = pos < version->size() && (*version)[pos] != '+' && (*version)[pos] != '.';
  return !pre_release;
}

// dependencies.py MIN_CLIENT_VERSION_FOR_CONCURRENCY_LIMIT_LEASING.
bool client_renews_leases(const Context& c) { return version_at_least(c.in->client_version, 3, 4, 11); }

// dependencies.py WORKER_VERSIONS_THAT_MANAGE_DEPLOYMENT_CONCURRENCY.
bool worker_manages_deployment_concurrency(const std::optional<std::string>& version) {
  if (!version) return false;
  for (const char* v : {"3.0.0rc20", "3.0.0", "3.0.1", "3.0.2", "3.0.3"}) {
    if (*version == v) return true;
  }
  return false;
}

bool slot_available(const DeploymentConcurrency::Limit& l) { return l.active && l.active_slots + 1 <= l.limit; }

double lease_seconds(const Context& c) {
  const auto& dc = c.in->deployment_concurrency;
  return dc.grace_period_seconds.value_or(c.in->concurrency_settings.initial_lease_seconds);
}

// PreserveDeploymentConcurrencyLeaseId (universal, before): workers send the lease id as
// null on PENDING sub-states; the current state's lease id carries forward.
void preserve_lease_id(Context& c) {
  if (!c.initial || !c.proposed) return;
  const json::value* lease = detail(*c.initial, kLeaseKey);
  if (lease && !detail(*c.proposed, kLeaseKey)) c.proposed->state_details[kLeaseKey] = *lease;
}

// ValidateDeploymentConcurrencyAtRunning: a run keeps its lease into RUNNING. A client that
// renews leases has it renewed; when it lapsed, a free slot is taken again, else the run is
// cancelled (its infrastructure is already up, it cannot be rescheduled).
class ValidateDeploymentConcurrencyAtRunning : public SimpleRule<ValidateDeploymentConcurrencyAtRunning> {
 public:
  static TypeSet from() { return types({StateType::kPending}); }
  static TypeSet to() { return types({StateType::kRunning}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    const json::value* lease = detail(*c.initial, kLeaseKey);
    c.proposed->state_details[kLeaseKey] = lease ? *lease : json::value(nullptr);
    if (!lease || !lease->is_string()) return;
    if (!client_renews_leases(c) || !c.run.deployment_id) return;
    const auto& dc = c.in->deployment_concurrency;
    if (!dc.deployment_found || !dc.limit) return;
    if (dc.current_lease_live) {
      c.actions.push_back({LeaseAction::Kind::kRenew, std::string(lease->get_string()), "", lease_seconds(c), false});
      return;
    }
    if (slot_available(*dc.limit)) {
      c.actions.push_back({LeaseAction::Kind::kTake, c.in->new_lease_id, dc.limit->id, lease_seconds(c), true});
      c.proposed->state_details[kLeaseKey] = c.in->new_lease_id;
      return;
    }
    State cancelled = new_state(*c.proposed, c.now, StateType::kCancelled, "Cancelled");
    cancelled.message = "Deployment concurrency slot lost during provisioning - no slots available to continue execution";
    reject(c, std::move(cancelled), "Deployment concurrency limit reached after lease expiry.");
  }
};

// SecureFlowConcurrencySlots: entering PENDING takes a slot of the deployment's limit under
// a lease; when the limit is full the run waits in AwaitingConcurrencySlot (ENQUEUE, the
// default) or is cancelled (CANCEL_NEW).
class SecureFlowConcurrencySlots : public SimpleRule<SecureFlowConcurrencySlots> {
 public:
  static TypeSet from() {
    return all_states()
        .reset(static_cast<int>(StateType::kPending))
        .reset(static_cast<int>(StateType::kRunning))
        .reset(static_cast<int>(StateType::kCancelling));
  }
  static TypeSet to() { return types({StateType::kPending}); }
  void before(Context& c) override {
    if (!c.run.deployment_id || !c.proposed || worker_manages_deployment_concurrency(c.in->client_version)) return;
    const auto& dc = c.in->deployment_concurrency;
    if (!dc.deployment_found) {
      abort(c, "Deployment not found.");
      return;
    }
    if (!dc.limit) return;
    if (dc.limit->limit == 0) {
      abort(c, "The deployment concurrency limit is 0. The flow will deadlock if submitted again.");
      return;
    }
    if (slot_available(*dc.limit)) {
      taken_ = LeaseAction{LeaseAction::Kind::kTake, c.in->new_lease_id, dc.limit->id, lease_seconds(c), false};
      c.actions.push_back(*taken_);
      c.proposed->state_details[kLeaseKey] = c.in->new_lease_id;
      return;
    }
    if (dc.options_set && dc.collision_strategy == CollisionStrategy::kCancelNew) {
      State cancelled = new_state(*c.proposed, c.now, StateType::kCancelled, "Cancelled");
      cancelled.message = "Deployment concurrency limit reached.";
      reject(c, std::move(cancelled), "Deployment concurrency limit reached.");
      return;
    }
    State waiting = new_state(*c.proposed, c.now, StateType::kScheduled, "AwaitingConcurrencySlot");
    auto wait = std::chrono::microseconds(static_cast<int64_t>(c.in->concurrency_settings.slot_wait_seconds * 1e6));
    waiting.state_details["scheduled_time"] = core::format_timestamp(c.now + wait);
    reject(c, std::move(waiting), "Deployment concurrency limit reached.");
  }
  // The transition changed after the slot was taken: give it back.
  void cleanup(Context& c) override {
    if (!taken_) return;
    std::erase(c.actions, *taken_);
    if (c.validated) {
      const json::value* lease = detail(*c.validated, kLeaseKey);
      if (lease && *lease == json::value(taken_->lease_id)) c.validated->state_details[kLeaseKey] = nullptr;
    }
  }

 private:
  std::optional<LeaseAction> taken_;
};

// RemoveDeploymentConcurrencyLeaseForOldClientVersions: a client too old to renew its lease
// would lose the slot when the lease lapses, so the lease goes and the slot stays until the
// run leaves the active states.
class RemoveDeploymentConcurrencyLeaseForOldClientVersions
    : public SimpleRule<RemoveDeploymentConcurrencyLeaseForOldClientVersions> {
 public:
  static TypeSet from() { return types({StateType::kPending}); }
  static TypeSet to() { return types({StateType::kRunning, StateType::kCancelling}); }
  void after(Context& c) override {
    if (!c.initial || client_renews_leases(c)) return;
    if (auto lease = detail_string(*c.initial, kLeaseKey)) {
      c.actions.push_back({LeaseAction::Kind::kRevoke, *lease, "", 0, false});
    }
  }
};

// ReleaseFlowConcurrencySlots (universal, after): leaving PENDING/RUNNING/CANCELLING for
// another state type frees the run's slot: its lease when the state names one, else one
// slot of the deployment's limit. An in-process retry (RetryFailedFlows' AwaitingRetry
// rejection) keeps its slot: the engine still renews the lease.
void release_slots(Context& c) {
  if (c.nullified() || !c.initial) return;
  if (!is_active_type(c.initial->type) || is_active_type(c.proposed->type)) return;
  if (c.proposed->type == StateType::kScheduled && c.proposed->name == "AwaitingRetry" &&
      c.status == SetStateStatus::kReject) {
    return;
  }
  if (!c.run.deployment_id) return;
  const auto& dc = c.in->deployment_concurrency;
  std::string limit_id = dc.deployment_found && dc.limit ? dc.limit->id : "";
  if (auto lease = detail_string(*c.initial, kLeaseKey)) {
    c.actions.push_back({LeaseAction::Kind::kRelease, *lease, limit_id, 0, false});
    return;
  }
  if (!limit_id.empty()) c.actions.push_back({LeaseAction::Kind::kFreeSlot, "", limit_id, 0, false});
}

std::vector<std::unique_ptr<Rule>> core_flow_policy() {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<PreventDuplicateTransitions>());
  rules.push_back(std::make_unique<HandleFlowTerminalStateTransitions>());
  rules.push_back(std::make_unique<EnforceCancellingToCancelledTransition>());
  rules.push_back(std::make_unique<BypassCancellingFlowRunsWithNoInfra>());
  rules.push_back(std::make_unique<PreventPendingTransitions>());
  rules.push_back(std::make_unique<ValidateDeploymentConcurrencyAtRunning>());
  rules.push_back(std::make_unique<SecureFlowConcurrencySlots>());
  rules.push_back(std::make_unique<RemoveDeploymentConcurrencyLeaseForOldClientVersions>());
  rules.push_back(std::make_unique<EnsureOnlyScheduledFlowsMarkedLate>());
  rules.push_back(std::make_unique<HandlePausingFlows>());
  rules.push_back(std::make_unique<HandleResumingPausedFlows>());
  rules.push_back(std::make_unique<CopyScheduledTime>());
  rules.push_back(std::make_unique<WaitForScheduledTime>());
  rules.push_back(std::make_unique<RetryFailedFlows>());
  return rules;
}

// EnforceDeploymentConcurrencyOnLate (MarkLateRunsPolicy): CANCEL_NEW is enforced when a run
// enters PENDING, so a run that goes Late before it gets there would otherwise sit Late
// while its deployment's limit is full; it is cancelled instead. The limit's `active` flag
// is not consulted, as upstream.
class EnforceDeploymentConcurrencyOnLate : public SimpleRule<EnforceDeploymentConcurrencyOnLate> {
 public:
  static TypeSet from() { return types({StateType::kScheduled}); }
  static TypeSet to() { return types({StateType::kScheduled}); }
  void before(Context& c) override {
    if (!c.initial || !c.proposed) return;
    if (c.proposed->type != StateType::kScheduled || c.proposed->name != "Late") return;
    if (!c.run.deployment_id) return;
    const auto& dc = c.in->deployment_concurrency;
    if (!dc.deployment_found || !dc.limit) return;
    if (!dc.options_set || dc.collision_strategy != CollisionStrategy::kCancelNew) return;
    if (dc.limit->active_slots < dc.limit->limit) return;
    State cancelled = new_state(*c.proposed, c.now, StateType::kCancelled, "Cancelled");
    cancelled.message = "Deployment concurrency limit reached.";
    reject(c, std::move(cancelled), "Deployment concurrency limit is full and uses the CANCEL_NEW strategy.");
  }
};

std::vector<std::unique_ptr<Rule>> mark_late_runs_policy() {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<EnsureOnlyScheduledFlowsMarkedLate>());
  rules.push_back(std::make_unique<EnforceDeploymentConcurrencyOnLate>());
  return rules;
}

std::vector<std::unique_ptr<Rule>> minimal_flow_policy() {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<PreventResultDataLoss>());
  rules.push_back(std::make_unique<BypassCancellingFlowRunsWithNoInfra>());
  return rules;
}

// --- GlobalFlowPolicy: bookkeeping before validation (skipped when nullified) -------------

void apply_global_bookkeeping(Context& c) {
  if (c.nullified()) return;
  State& p = *c.proposed;
  core::FlowRun& run = c.run;

  // EnsureFlowRunStateTimestampIsUnique.
  while (std::find(c.taken_timestamps.begin(), c.taken_timestamps.end(), p.timestamp) != c.taken_timestamps.end()) {
    p.timestamp += std::chrono::microseconds(1);
  }
  // SetRunStateType / SetRunStateName / SetRunStateTimestamp.
  run.state_type = p.type;
  run.state_name = p.name;
  run.state_timestamp = p.timestamp;
  // SetStartTime.
  if (p.type == StateType::kRunning && !run.start_time) run.start_time = p.timestamp;
  // SetEndTime.
  if (c.initial && core::is_final(c.initial->type) && !core::is_final(p.type)) run.end_time.reset();
  if (core::is_final(p.type) && !run.end_time) {
    if (!run.start_time) run.start_time = p.timestamp;
    run.end_time = p.timestamp;
  }
  // IncrementRunTime.
  if (is_running(c.initial)) run.total_run_time += p.timestamp - c.initial->timestamp;
  // SetExpectedStartTime.
  if (!run.expected_start_time) {
    run.expected_start_time = p.type == StateType::kScheduled ? detail_time(p, "scheduled_time")
                                                              : std::optional<Timestamp>(p.timestamp);
  }
  // SetNextScheduledStartTime.
  if (is_scheduled(c.initial)) run.next_scheduled_start_time.reset();
  if (p.type == StateType::kScheduled) run.next_scheduled_start_time = detail_time(p, "scheduled_time");
  // UpdateStateDetails.
  p.state_details["flow_run_id"] = run.id;
  // UpdateSubflowStateDetails.
  if (run.parent_task_run_id) p.state_details["task_run_id"] = *run.parent_task_run_id;
  // IncrementFlowRunCount (not when resuming a paused run).
  if (p.type == StateType::kRunning && !run.empirical_policy.resuming) run.run_count += 1;
  // RemoveResumingIndicator.
  if ((p.type == StateType::kRunning || core::is_final(p.type)) && run.empirical_policy.resuming) {
    run.empirical_policy.resuming = false;
  }
}

}  // namespace

FlowRunDecision orchestrate_flow_run(const FlowRunTransition& t) {
  Context c;
  c.in = &t;
  c.now = t.now;
  c.run = t.run;
  c.initial = t.initial;
  c.proposed = t.proposed;
  c.taken_timestamps = t.taken_timestamps;

  const int from = slot(c.initial);
  const int to = slot(c.proposed);
  std::vector<std::unique_ptr<Rule>> policy =
      t.mark_late ? mark_late_runs_policy() : (t.force ? minimal_flow_policy() : core_flow_policy());
  // PreserveDeploymentConcurrencyLeaseId and ReleaseFlowConcurrencySlots are in the core and
  // minimal policies, not in MarkLateRunsPolicy.
  const bool lease_transforms = !t.mark_late;
  std::vector<Rule*> selected;
  for (auto& rule : policy) {
    if (rule->from_states().test(from) && rule->to_states().test(to)) {
      rule->from_slot = from;
      rule->to_slot = to;
      selected.push_back(rule.get());
    }
  }
  if (lease_transforms && !c.nullified()) preserve_lease_id(c);
  for (Rule* rule : selected) {
    rule->invalid_on_entry = rule->transition_changed(c);
    if (!rule->invalid_on_entry) rule->before(c);
  }
  apply_global_bookkeeping(c);

  // Validation: the proposal (if any) becomes the run's current state.
  FlowRunDecision d;
  if (c.proposed) {
    c.validated = c.proposed;
    c.run.state_id = c.proposed->id;
    d.written = c.proposed;
  } else {
    c.validated = c.initial;
  }

  // UpdateSubflowParentTask (after validation).
  if (d.written && c.run.parent_task_run_id) {
    State mirrored = *d.written;
    mirrored.id.clear();
    mirrored.timestamp = c.now;
    mirrored.state_details["child_flow_run_id"] = c.run.id;
    d.parent_task_run_state = std::move(mirrored);
  }
  // The universal after-transforms are last in the policy, so they exit first.
  if (lease_transforms) release_slots(c);
  for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
    Rule* rule = *it;
    if (rule->invalid_on_entry) continue;
    if (rule->transition_changed(c)) {
      rule->cleanup(c);
    } else {
      rule->after(c);
    }
  }

  if (d.written) d.written = c.validated;  // cleanups may have amended the validated state
  d.status = c.status;
  d.response_state = c.validated;
  d.reason = c.reason;
  d.delay_seconds = c.delay_seconds;
  d.run_changed = d.written.has_value() || !(c.run.empirical_policy == t.run.empirical_policy);
  d.lease_actions = std::move(c.actions);
  d.run = std::move(c.run);
  return d;
}

json::object details_to_json(const FlowRunDecision& d) {
  json::value reason = d.reason ? json::value(*d.reason) : json::value(nullptr);
  switch (d.status) {
    case SetStateStatus::kAccept:
      return {{"type", "accept_details"}};
    case SetStateStatus::kReject:
      return {{"type", "reject_details"}, {"reason", reason}};
    case SetStateStatus::kAbort:
      return {{"type", "abort_details"}, {"reason", reason}};
    case SetStateStatus::kWait:
      return {{"type", "wait_details"}, {"delay_seconds", d.delay_seconds}, {"reason", reason}};
  }
  return {{"type", "accept_details"}};
}

}  // namespace praetor::orchestration
