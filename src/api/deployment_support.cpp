#include "api/deployment_support.h"

#include <algorithm>

#include "core/json_util.h"
#include "core/uuid.h"
#include "core/work_queue.h"
#include "runs/flow_run_creation.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"
#include "store/work_pool_repository.h"
#include "store/work_queue_repository.h"

namespace praetor::api {

namespace {

// A new queue of that name in the pool (its priority the pool's first free one), read back
// as polling reads queues.
core::WorkQueue create_queue(store::Connection& c, const std::string& pool_id, const std::string& name,
                             core::Timestamp now) {
  auto q = core::new_work_queue(pool_id, name, now);
  store::work_queues::insert(c, q);
  return *store::work_pools::read_queue(c, std::string(q.at("id").get_string()));
}

}  // namespace

core::Result<core::WorkQueue> resolve_work_queue(store::Connection& c, const std::string& pool_name,
                                                 const std::optional<std::string>& queue_name, bool create,
                                                 core::Timestamp now) {
  auto pool = store::work_pools::read_by_name(c, pool_name);
  if (!pool) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
  if (!queue_name) {
    if (!pool->default_queue_id) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
    auto q = store::work_pools::read_queue(c, *pool->default_queue_id);
    if (!q) return core::Error::not_found("Work pool \"" + pool_name + "\" not found.");
    return std::move(*q);
  }
  if (auto q = store::work_pools::read_queue_by_name(c, pool->id, *queue_name)) return std::move(*q);
  if (!create) return core::Error::not_found("Work pool queue '" + pool_name + "/" + *queue_name + "' not found.");
  return create_queue(c, pool->id, *queue_name, now);
}

core::WorkQueue ensure_default_agent_queue(store::Connection& c, const std::string& queue_name, core::Timestamp now) {
  constexpr const char* kPool = "default-agent-pool";
  auto pool = store::work_pools::read_by_name(c, kPool);
  if (!pool) {
    core::WorkPool p;
    p.id = core::new_uuid4();
    p.created = p.updated = now;
    p.name = kPool;
    p.type = "prefect-agent";
    pool = store::work_pools::create(c, p, core::new_uuid4());
  }
  if (auto q = store::work_pools::read_queue_by_name(c, pool->id, queue_name)) return std::move(*q);
  return create_queue(c, pool->id, queue_name, now);
}

core::Result<core::FlowRunCreate> parse_deployment_flow_run_create(const boost::json::value& body,
                                                                   const boost::json::array& loc, core::Timestamp now) {
  if (!body.is_object()) {
    return core::validation_error(loc, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", body);
  }
  boost::json::object with_flow = body.as_object();
  with_flow["flow_id"] = "00000000-0000-4000-8000-000000000000";  // replaced by the deployment's
  with_flow.erase("deployment_id");
  auto parsed = core::parse_flow_run_create(with_flow, now);
  if (parsed || loc.size() <= 1 || !parsed.error().detail.is_array()) return parsed;
  // Re-root each detail's loc ("body", field…) under `loc`.
  core::Error e = parsed.error();
  for (auto& entry : e.detail.as_array()) {
    auto* o = entry.if_object();
    if (!o || !o->contains("loc") || !o->at("loc").is_array()) continue;
    boost::json::array rerooted = loc;
    const auto& old_loc = o->at("loc").as_array();
    for (std::size_t k = 1; k < old_loc.size(); ++k) rerooted.push_back(old_loc[k]);
    (*o)["loc"] = std::move(rerooted);
  }
  return e;
}

core::Result<runs::CreatedFlowRun> create_run_from_deployment(store::Connection& c, const core::Deployment& d,
                                                              const core::FlowRunCreate& parsed,
                                                              const boost::json::object& b, core::Timestamp now) {
  namespace json = boost::json;
  core::FlowRun run = parsed.run;
  run.id = core::new_uuid7();
  run.created = run.updated = now;
  run.flow_id = d.flow_id;
  run.deployment_id = d.id;
  run.deployment_version = d.version;
  json::object params = d.parameters;
  if (auto it = b.find("parameters"); it != b.end() && it->value().is_object()) {
    for (const auto& kv : it->value().as_object()) params[kv.key()] = kv.value();
  }
  run.parameters = std::move(params);
  std::vector<std::string> tags = d.tags;
  for (const auto& t : run.tags) {
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  }
  run.tags = std::move(tags);
  if (!run.infrastructure_document_id) run.infrastructure_document_id = d.infrastructure_document_id;
  run.work_queue_name = d.work_queue_name;
  run.work_queue_id = d.work_queue_id;
  if (auto it = b.find("work_queue_name"); it != b.end() && it->value().is_string()) {
    if (!d.work_pool_name) {
      return core::Error::bad_request("Cannot create flow run in work queue " +
                                      std::string(it->value().get_string()) + " because deployment " + d.id +
                                      " is not associated with a work pool. Please remove work_pool_name and try "
                                      "again.");
    }
    auto q = resolve_work_queue(c, *d.work_pool_name, std::string(it->value().get_string()), true, now);
    if (!q) return q.error();
    run.work_queue_id = q->id;
    run.work_queue_name = q->name;
  }
  // with_system_labels_for_flow_run: flow labels, prefect.flow.id, the deployment's
  // labels and id, then the run's own.
  json::object labels = store::flows::labels(c, run.flow_id);
  labels["prefect.flow.id"] = run.flow_id;
  for (const auto& kv : d.labels) labels[kv.key()] = kv.value();
  labels["prefect.deployment.id"] = d.id;
  for (const auto& kv : run.labels) labels[kv.key()] = kv.value();
  run.labels = std::move(labels);
  core::State initial;
  if (parsed.state) {
    initial = *parsed.state;
  } else {
    initial.type = core::StateType::kScheduled;
    initial.name = "Scheduled";
    initial.state_details["scheduled_time"] = core::format_timestamp(now);
  }
  return runs::create_flow_run(c, run, std::move(initial), now);
}

}  // namespace praetor::api
