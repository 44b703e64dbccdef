#include "runs/deployment_events.h"

#include "core/uuid.h"
#include "runs/field_changes.h"
#include "runs/resource_labels.h"
#include "store/flow_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::runs {

namespace json = boost::json;

events::Event deployment_event(store::Connection& c, std::string name, const core::Deployment& d, core::Timestamp now) {
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = now;
  e.event = std::move(name);
  e.resource = {{"prefect.resource.id", "prefect.deployment." + d.id}, {"prefect.resource.name", d.name}};
  if (auto flow = store::flows::read(c, d.flow_id)) {
    e.related.push_back(json::object{{"prefect.resource.id", "prefect.flow." + d.flow_id},
                                     {"prefect.resource.name", flow->at("name")},
                                     {"prefect.resource.role", "flow"}});
  }
  if (d.work_queue_id) {
    if (auto queue = store::work_pools::read_queue(c, *d.work_queue_id)) {
      e.related.push_back(work_queue_resource(queue->id, queue->name));
      if (auto pool = store::work_pools::read(c, queue->work_pool_id)) e.related.push_back(work_pool_related(*pool));
    }
  }
  if (d.storage_document_id) {
    e.related.push_back(json::object{{"prefect.resource.id", "prefect.block-document." + *d.storage_document_id},
                                     {"prefect.resource.role", "storage"}});
  }
  if (d.infrastructure_document_id) {
    e.related.push_back(
        json::object{{"prefect.resource.id", "prefect.block-document." + *d.infrastructure_document_id},
                     {"prefect.resource.role", "infrastructure"}});
  }
  return e;
}

std::optional<events::Event> deployment_updated_event(store::Connection& c, const core::Deployment& before,
                                                      const core::Deployment& after, core::Timestamp now) {
  // DEPLOYMENT_EVENT_FIELDS (less concurrency_limit_id), as the API view names them.
  static constexpr EventField kFields[] = {
      {"description", "description"},
      {"tags", "tags"},
      {"parameters", "parameters"},
      {"parameter_openapi_schema", "parameter_openapi_schema"},
      {"enforce_parameter_schema", "enforce_parameter_schema"},
      {"entrypoint", "entrypoint"},
      {"path", "path"},
      {"pull_steps", "pull_steps"},
      {"work_queue_id", "work_queue_id"},
      {"infra_overrides", "job_variables"},
      {"paused", "paused"},
      {"labels", "labels"},
      {"version", "version"},
      {"concurrency_options", "concurrency_options"},
  };
  auto payload = changed_fields(core::to_json(before), core::to_json(after), kFields);
  if (!payload) return std::nullopt;
  auto e = deployment_event(c, "prefect.deployment.updated", after, now);
  e.payload = std::move(*payload);
  return e;
}

}  // namespace praetor::runs
