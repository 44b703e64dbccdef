// A flow run as Prefect models it (server/schemas/core.py FlowRun, responses.py
// FlowRunResponse), its retry/pause policy (FlowRunPolicy), and the request bodies that
// create and update it (actions.py FlowRunCreate, FlowRunUpdate).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/json_util.h"
#include "core/result.h"
#include "core/state.h"
#include "core/timestamp.h"

namespace praetor::core {

// FlowRunPolicy: `retries`/`retry_delay` drive RetryFailedFlows; `pause_keys`, `resuming`
// and `retry_type` are orchestration bookkeeping. The deprecated max_retries and
// retry_delay_seconds are kept and echoed.
struct FlowRunPolicy {
  int64_t max_retries = 0;
  double retry_delay_seconds = 0;
  std::optional<int64_t> retries;
  std::optional<int64_t> retry_delay;
  std::vector<std::string> pause_keys;  // a set: no duplicates, insertion order kept
  bool resuming = false;
  std::optional<std::string> retry_type;  // "in_process" | "reschedule"

  bool has_pause_key(const std::string& key) const;
  void add_pause_key(const std::string& key);
  friend bool operator==(const FlowRunPolicy&, const FlowRunPolicy&) = default;
};

boost::json::object to_json(const FlowRunPolicy& p);
// Reads a policy object through `r` (422 entries on bad types), applying Prefect's
// deprecated-field fallbacks (max_retries → retries, retry_delay_seconds → retry_delay).
FlowRunPolicy read_flow_run_policy(FieldReader& r);
// Lenient decoding of a stored policy document (never fails).
FlowRunPolicy flow_run_policy_from_json(const boost::json::object& o);

struct FlowRun {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::string flow_id;
  std::optional<std::string> state_id;
  std::optional<std::string> deployment_id;
  std::optional<std::string> deployment_version;
  std::optional<std::string> work_queue_id;
  std::optional<std::string> work_queue_name;
  std::optional<std::string> flow_version;
  boost::json::object parameters;
  std::optional<std::string> idempotency_key;
  boost::json::object context;
  FlowRunPolicy empirical_policy;
  std::vector<std::string> tags;
  boost::json::object labels;
  std::optional<std::string> parent_task_run_id;
  std::optional<StateType> state_type;
  std::optional<std::string> state_name;
  std::optional<Timestamp> state_timestamp;
  int64_t run_count = 0;
  std::optional<Timestamp> expected_start_time;
  std::optional<Timestamp> next_scheduled_start_time;
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  std::chrono::microseconds total_run_time{0};
  bool auto_scheduled = false;
  std::optional<std::string> infrastructure_document_id;
  std::optional<std::string> infrastructure_pid;
  boost::json::value created_by;  // null or {id, type, display_value}
  std::optional<std::string> work_pool_id;
  std::optional<std::string> work_pool_name;
  boost::json::object job_variables;
  std::optional<State> state;  // the current state, joined in on read
};

// FlowRunResponse JSON. `now` feeds the live estimates (estimated_run_time adds the time
// spent in a current RUNNING state; estimated_start_time_delta is the lateness), as the
// ORM's hybrid properties compute them.
boost::json::object to_json(const FlowRun& run, Timestamp now);

// FlowRunCreate: the run to insert (id/created/updated left for the caller) and its
// optional initial state. A null or empty `name` becomes a generated slug. The flow's
// labels and the "prefect.flow.id" label are merged in by the caller.
struct FlowRunCreate {
  FlowRun run;
  std::optional<State> state;
};
Result<FlowRunCreate> parse_flow_run_create(const boost::json::value& body, Timestamp now);

// FlowRunUpdate: only the fields present in the body are set (exclude_unset semantics);
// an explicit null or empty name becomes a generated slug, as upstream's validator does.
struct FlowRunUpdate {
  std::optional<std::string> name;
  std::optional<std::string> flow_version;
  std::optional<boost::json::object> parameters;
  std::optional<FlowRunPolicy> empirical_policy;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> infrastructure_pid;
  std::optional<boost::json::object> job_variables;
};
Result<FlowRunUpdate> parse_flow_run_update(const boost::json::value& body);

}  // namespace praetor::core
