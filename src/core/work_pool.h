// Work pools, their queues and workers as Prefect models them (server/schemas/core.py
// WorkPool, WorkQueue, Worker; actions.py WorkPoolCreate/WorkPoolUpdate; responses.py
// WorkPoolResponse, WorkQueueResponse, WorkerResponse).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/model.h"
#include "core/timestamp.h"

namespace praetor::core {

// The pool's one description. Fields in the order of WorkPoolResponse: id, created,
// updated, name, description, type, base_job_template, is_paused, concurrency_limit,
// status, default_queue_id, storage_configuration (active_slots is computed at the read:
// work_pool_response). The name is a NonEmptyishName and cannot change; an update's null
// description or concurrency_limit clears it; status and default_queue_id are server-set.
// base_job_template and storage_configuration are kept verbatim.
const Model& work_pool_model();

// Names starting with "prefect", in any case, are reserved for Prefect's own pools.
bool reserved_work_pool_name(std::string_view name);

// WorkPoolResponse of a stored pool: a paused pool reads PAUSED whatever its stored status;
// storage_configuration carries its two bundle steps (null when unset); `active_slots` is
// null without a concurrency limit, as upstream.
boost::json::object work_pool_response(const boost::json::object& stored, std::optional<int64_t> active_slots);

// A pool as polling, deployments, the worker channel and the importer read it: the typed
// view of a work_pool_model() object (work_pool_from / to_object convert).
struct WorkPool {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::optional<std::string> description;
  std::string type;
  boost::json::object base_job_template;
  bool is_paused = false;
  std::optional<std::string> default_queue_id;
  std::optional<int64_t> concurrency_limit;
  std::string status = "NOT_READY";  // READY | NOT_READY | PAUSED
  boost::json::object storage_configuration;
};

// `stored` must hold every field of work_pool_model() (a stored row does).
WorkPool work_pool_from(const boost::json::object& stored);

// The status Prefect shows for a pool or a queue: PAUSED while paused, else the stored one
// (which pausing leaves as workers made it).
inline std::string shown_status(bool is_paused, const std::string& stored) { return is_paused ? "PAUSED" : stored; }
boost::json::object to_object(const WorkPool& p);

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
