// Recognising the rollup's filter shapes: exact key sets, nothing the rollup cannot answer
// exactly passes (an unknown key, an "or_" operator, a type outside Prefect's states).
#include "api/task_run_rollup_filter.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/timestamp.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

// Prefect's state types; the rollup's cells are told apart by these (migration 0024).
const std::set<std::string>& state_type_names() {
  static const std::set<std::string> names{"SCHEDULED", "PENDING",  "RUNNING", "COMPLETED", "FAILED",
                                           "CANCELLED", "CRASHED", "PAUSED",  "CANCELLING"};
  return names;
}

bool is_null(const json::value* v) { return v == nullptr || v->is_null(); }

// Every key of `o` is in `allowed` or null, and "operator" (when given) is "and_".
bool only_keys(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : o) {
    if (v.is_null()) continue;
    if (k == "operator" && v.is_string() && v.as_string() == "and_") continue;
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) return false;
  }
  return true;
}

std::optional<int64_t> micros(const json::value* v) {
  if (is_null(v) || !v->is_string()) return std::nullopt;
  auto t = core::parse_timestamp(v->as_string());
  if (!t) return std::nullopt;
  return core::to_micros(*t);
}

// {after_, before_} (or null) into µs bounds; false for anything else.
bool read_window(const json::value* v, std::optional<int64_t>& after, std::optional<int64_t>& before) {
  if (is_null(v)) return true;
  if (!v->is_object() || !only_keys(v->as_object(), {"after_", "before_"})) return false;
  const auto& o = v->as_object();
  if (!is_null(o.if_contains("after_")) && !(after = micros(o.if_contains("after_")))) return false;
  if (!is_null(o.if_contains("before_")) && !(before = micros(o.if_contains("before_")))) return false;
  // Minutes are floored as non-negative numbers below.
  return after.value_or(0) >= 0 && before.value_or(0) >= 0;
}

bool read_task_runs(const json::object& f, store::task_run_rollup::Filter& out) {
  if (!only_keys(f, {"start_time", "state", "subflow_runs"})) return false;
  if (!read_window(f.if_contains("start_time"), out.start_after, out.start_before)) return false;
  if (const auto* state = f.if_contains("state"); !is_null(state)) {
    if (!state->is_object() || !only_keys(state->as_object(), {"type"})) return false;
    if (const auto* type = state->as_object().if_contains("type"); !is_null(type)) {
      if (!type->is_object() || !only_keys(type->as_object(), {"any_"})) return false;
      if (const auto* any = type->as_object().if_contains("any_"); !is_null(any)) {
        if (!any->is_array()) return false;
        std::vector<std::string> types;
        for (const auto& t : any->as_array()) {
          if (!t.is_string() || !state_type_names().count(std::string(t.as_string()))) return false;
          types.emplace_back(t.as_string());
        }
        out.state_types = std::move(types);
      }
    }
  }
  if (const auto* sub = f.if_contains("subflow_runs"); !is_null(sub)) {
    if (!sub->is_object() || !only_keys(sub->as_object(), {"exists_"})) return false;
    const auto* exists = sub->as_object().if_contains("exists_");
    if (!is_null(exists)) {
      if (!exists->is_bool() || exists->as_bool()) return false;
      out.without_subflows = true;
    }
  }
  return true;
}

}  // namespace

std::optional<store::task_run_rollup::Filter> rollup_filter(const json::object& body) {
  store::task_run_rollup::Filter f;
  for (const auto& [k, v] : body) {
    if (v.is_null()) continue;
    if (k == "history_start" || k == "history_end" || k == "history_interval_seconds" || k == "sort" ||
        k == "limit" || k == "offset" || k == "page") {
      continue;
    }
    if (!v.is_object()) return std::nullopt;
    if (k == "task_runs") {
      if (!read_task_runs(v.as_object(), f)) return std::nullopt;
    } else if (k == "flow_runs") {
      // Even an empty flow-run filter asks for task runs whose flow run is stored.
      if (!only_keys(v.as_object(), {"expected_start_time"})) return std::nullopt;
      if (!read_window(v.as_object().if_contains("expected_start_time"), f.flow_run_after, f.flow_run_before)) {
        return std::nullopt;
      }
      f.in_flow_run = true;
    } else {
      return std::nullopt;
    }
  }
  return f;
}

}  // namespace praetor::api
