#include "core/state.h"

#include <array>

#include "core/json_util.h"

namespace praetor::core {

namespace json = boost::json;

namespace {
struct TypeName {
  StateType type;
  std::string_view wire;
  std::string_view display;
};
constexpr std::array<TypeName, 9> kTypes = {{
    {StateType::kScheduled, "SCHEDULED", "Scheduled"},
    {StateType::kPending, "PENDING", "Pending"},
    {StateType::kRunning, "RUNNING", "Running"},
    {StateType::kCompleted, "COMPLETED", "Completed"},
    {StateType::kFailed, "FAILED", "Failed"},
    {StateType::kCancelled, "CANCELLED", "Cancelled"},
    {StateType::kCrashed, "CRASHED", "Crashed"},
    {StateType::kPaused, "PAUSED", "Paused"},
    {StateType::kCancelling, "CANCELLING", "Cancelling"},
}};

// StateDetails fields and their defaults (client/schemas/objects.py StateDetails).
const json::object& details_defaults() {
  static const json::object kDefaults = {
      {"flow_run_id", nullptr},         {"task_run_id", nullptr},
      {"child_flow_run_id", nullptr},   {"scheduled_time", nullptr},
      {"cache_key", nullptr},           {"cache_expiration", nullptr},
      {"deferred", false},              {"untrackable_result", false},
      {"pause_timeout", nullptr},       {"pause_reschedule", false},
      {"pause_key", nullptr},           {"run_input_keyset", nullptr},
      {"refresh_cache", nullptr},       {"retriable", nullptr},
      {"transition_id", nullptr},       {"task_parameters_id", nullptr},
      {"traceparent", nullptr},         {"deployment_concurrency_lease_id", nullptr},
  };
  return kDefaults;
}
}  // namespace

std::string_view to_string(StateType t) {
  for (const auto& n : kTypes) {
    if (n.type == t) return n.wire;
  }
  return "PENDING";
}

std::optional<StateType> parse_state_type(std::string_view s) {
  for (const auto& n : kTypes) {
    if (n.wire == s) return n.type;
  }
  return std::nullopt;
}

std::string default_state_name(StateType t) {
  for (const auto& n : kTypes) {
    if (n.type == t) return std::string(n.display);
  }
  return "Pending";
}

bool is_final(StateType t) {
  return t == StateType::kCompleted || t == StateType::kFailed || t == StateType::kCancelled ||
         t == StateType::kCrashed;
}

Result<State> parse_state_create(const json::value& v, json::array loc_prefix, Timestamp now) {
  FieldReader r(v, std::move(loc_prefix));
  State s;
  if (auto type = r.string("type", true)) {
    if (auto t = parse_state_type(*type)) {
      s.type = *t;
    } else {
      r.add_error("type", "enum",
                  "Input should be 'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', "
                  "'CRASHED', 'PAUSED' or 'CANCELLING'",
                  json::value(*type));
    }
  }
  s.name = r.string("name").value_or(default_state_name(s.type));
  s.message = r.string("message");
  FieldReader details = r.nested("state_details");
  if (details.is_object()) {
    // Validate the typed fields; keep the whole object.
    (void)details.uuid("flow_run_id");
    (void)details.uuid("task_run_id");
    (void)details.uuid("child_flow_run_id");
    (void)details.timestamp("scheduled_time");
    (void)details.timestamp("cache_expiration");
    (void)details.uuid("transition_id");
    if (const json::value* d = r.raw("state_details")) s.state_details = d->as_object();
  }
  if (const json::value* data = r.raw("data")) s.data = *data;
  if (!r.ok()) return r.error();
  if (s.type == StateType::kScheduled) {
    auto it = s.state_details.find("scheduled_time");
    if (it == s.state_details.end() || it->value().is_null()) {
      s.state_details["scheduled_time"] = format_timestamp(now);
    }
  }
  return s;
}

json::object normalised_state_details(const json::object& details) {
  json::object out = details_defaults();
  for (const auto& kv : details) out[kv.key()] = kv.value();
  return out;
}

json::object to_json(const State& s) {
  return {{"id", s.id},
          {"type", to_string(s.type)},
          {"name", s.name},
          {"timestamp", format_timestamp(s.timestamp)},
          {"message", s.message ? json::value(*s.message) : json::value(nullptr)},
          {"data", s.data},
          {"state_details", normalised_state_details(s.state_details)}};
}

}  // namespace praetor::core
