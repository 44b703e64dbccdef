// Deployments and their schedules as Prefect models them (server/schemas/core.py
// Deployment, DeploymentSchedule; responses.py DeploymentResponse). The schedule is kept as
// Prefect's JSON (already validated and normalised by schedules/); document-like fields
// are kept verbatim as JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"

namespace praetor::core {

struct DeploymentSchedule {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string deployment_id;
  boost::json::value schedule;  // Prefect's schedule JSON
  bool active = true;
  std::optional<int64_t> max_scheduled_runs;
  boost::json::object parameters;
  std::optional<std::string> slug;
};

boost::json::object to_json(const DeploymentSchedule& s);

// The concurrency_limit_v2 row a deployment points at (GlobalConcurrencyLimitResponse).
struct DeploymentConcurrencyLimit {
  std::string id;
  Timestamp created;
  Timestamp updated;
  bool active = true;
  std::string name;
  int64_t limit = 0;
  int64_t active_slots = 0;
  double slot_decay_per_second = 0;
};

boost::json::object to_json(const DeploymentConcurrencyLimit& l);

struct Deployment {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::optional<std::string> version;
  std::optional<std::string> description;
  std::string flow_id;
  bool paused = false;
  std::optional<int64_t> concurrency_limit;  // stored as requested; answered as null (deprecated upstream)
  std::optional<std::string> concurrency_limit_id;  // the enforcing concurrency_limit_v2 row
  boost::json::value concurrency_options;  // null or {"collision_strategy", "grace_period_seconds"}
  boost::json::object job_variables;
  boost::json::object parameters;
  boost::json::value pull_steps;  // null or array
  std::vector<std::string> tags;
  boost::json::object labels;
  std::optional<std::string> work_queue_name;
  std::optional<std::string> work_queue_id;
  std::optional<Timestamp> last_polled;
  std::string status = "NOT_READY";
  boost::json::value parameter_openapi_schema;  // null or object
  std::optional<std::string> path;
  std::optional<std::string> entrypoint;
  std::optional<std::string> storage_document_id;
  std::optional<std::string> infrastructure_document_id;
  boost::json::value created_by;
  boost::json::value updated_by;
  bool enforce_parameter_schema = true;
  boost::json::value version_info;
  // Joined in on read.
  std::optional<std::string> work_pool_name;
  std::optional<DeploymentConcurrencyLimit> global_concurrency_limit;
  std::vector<DeploymentSchedule> schedules;  // newest update first
};

// DeploymentResponse JSON.
boost::json::object to_json(const Deployment& d);

}  // namespace praetor::core
