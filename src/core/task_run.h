// A task run as Prefect models it (server/schemas/core.py TaskRun): identity, natural key
// (flow_run_id, task_key, dynamic_key), retry policy, inputs, and the bookkeeping the
// orchestration rules and the task-run recorder keep (run counts, times, current state).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/json_util.h"
#include "core/result.h"
#include "core/state.h"
#include "core/timestamp.h"

namespace praetor::core {

// TaskRunPolicy, typed for the retry rules. `retry_delay` is null, a number, or a list of
// numbers, kept as sent (Prefect echoes int vs float as given).
struct TaskRunPolicy {
  int64_t max_retries = 0;             // deprecated alias of `retries`
  double retry_delay_seconds = 0;      // deprecated alias of `retry_delay`
  std::optional<int64_t> retries;
  boost::json::value retry_delay;      // null | number | [number]
  std::optional<double> retry_jitter_factor;

  // The base delay before retry number `run_count` (1-based): a list is indexed by
  // run_count - 1 and clamped to its last entry; a scalar is used as is; null is 0.
  double base_delay_for(int64_t run_count) const;
};

// Decodes a TaskRunPolicy object under `loc`, applying Prefect's deprecated-field
// fallbacks (max_retries → retries, retry_delay_seconds → retry_delay). Errors go to `r`.
TaskRunPolicy read_task_run_policy(FieldReader& r);
// Lenient decoding of a stored or event-sent policy object (bad fields fall back to defaults).
TaskRunPolicy task_run_policy_from_json(const boost::json::object& o);
boost::json::object to_json(const TaskRunPolicy& p);

struct TaskRun {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::optional<std::string> flow_run_id;
  std::string task_key;
  std::string dynamic_key;
  std::optional<std::string> cache_key;
  std::optional<Timestamp> cache_expiration;
  std::optional<std::string> task_version;
  TaskRunPolicy empirical_policy;
  std::vector<std::string> tags;
  boost::json::object labels;
  boost::json::object task_inputs;
  int64_t run_count = 0;
  int64_t flow_run_run_count = 0;
  std::optional<Timestamp> expected_start_time;
  std::optional<Timestamp> next_scheduled_start_time;
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  std::chrono::microseconds total_run_time{0};
  // The current state; the row's state_id/state_type/state_name/state_timestamp mirror it.
  std::optional<State> state;
};

// Prefect's TaskRun response. `now` feeds the live estimates (estimated_run_time grows
// while RUNNING; estimated_start_time_delta measures lateness of a run not yet started).
boost::json::object to_json(const TaskRun& t, Timestamp now);

// TaskRunCreate: task_key and dynamic_key required; a missing or null name becomes a
// two-word slug; `id` is optional (client-minted ids are accepted); `state` is an optional
// StateCreate. The returned run has no created/updated/state set; `initial_state` holds the
// proposed state (id and timestamp left to the caller).
struct TaskRunCreate {
  std::optional<std::string> id;
  TaskRun run;
  std::optional<State> initial_state;
};
Result<TaskRunCreate> parse_task_run_create(const boost::json::value& body, Timestamp now);

// Seconds (Prefect's float durations) <-> microseconds, rounded to the nearest microsecond.
std::chrono::microseconds duration_from_seconds(double seconds);

}  // namespace praetor::core
