// Work pools, their queues and workers as Prefect models them (server/schemas/core.py
// WorkPool, WorkQueue, Worker; responses.py WorkQueueResponse, WorkerResponse).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/timestamp.h"

namespace praetor::core {

struct WorkPool {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::optional<std::string> description;
  std::string type;
  boost::json::object base_job_template;  // verbatim
  bool is_paused = false;
  std::optional<std::string> default_queue_id;
  std::optional<int64_t> concurrency_limit;
  std::string status = "NOT_READY";  // READY | NOT_READY | PAUSED
  boost::json::object storage_configuration;
};

// WorkPool response JSON; `active_slots` is null without a concurrency limit, as upstream.
boost::json::object to_json(const WorkPool& p, std::optional<int64_t> active_slots);

// A queue as polling and deployments read it; the API's queues are
// core::work_queue_model() objects (core/work_queue.h).
struct WorkQueue {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::string description;
  bool is_paused = false;
  std::optional<int64_t> concurrency_limit;
  int64_t priority = 1;
  std::optional<Timestamp> last_polled;
  std::string status = "NOT_READY";  // READY | NOT_READY | PAUSED
  std::string work_pool_id;
  std::string work_pool_name;  // joined in on read
};


struct Worker {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::string work_pool_id;
  Timestamp last_heartbeat_time;
  std::optional<int64_t> heartbeat_interval_seconds;
  std::string status = "OFFLINE";  // ONLINE | OFFLINE
};

boost::json::object to_json(const Worker& w);

}  // namespace praetor::core
