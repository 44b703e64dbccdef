#include "core/deployment.h"

#include "core/json_util.h"

namespace praetor::core {

namespace json = boost::json;

namespace {
json::value optional_string(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(); }
json::value optional_int(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); }
}  // namespace

json::object to_json(const DeploymentSchedule& s) {
  return json::object{{"id", s.id},
                      {"created", format_timestamp(s.created)},
                      {"updated", format_timestamp(s.updated)},
                      {"deployment_id", s.deployment_id},
                      {"schedule", s.schedule},
                      {"active", s.active},
                      {"max_scheduled_runs", optional_int(s.max_scheduled_runs)},
                      {"parameters", s.parameters},
                      {"slug", optional_string(s.slug)}};
}

json::object to_json(const DeploymentConcurrencyLimit& l) {
  return json::object{{"id", l.id},
                      {"created", format_timestamp(l.created)},
                      {"updated", format_timestamp(l.updated)},
                      {"active", l.active},
                      {"name", l.name},
                      {"limit", l.limit},
                      {"active_slots", l.active_slots},
                      {"slot_decay_per_second", l.slot_decay_per_second}};
}

json::object to_json(const Deployment& d) {
  json::array schedules;
  for (const auto& s : d.schedules) schedules.emplace_back(to_json(s));
  json::array tags;
  for (const auto& t : d.tags) tags.emplace_back(t);
  return json::object{{"id", d.id},
                      {"created", format_timestamp(d.created)},
                      {"updated", format_timestamp(d.updated)},
                      {"name", d.name},
                      {"version", optional_string(d.version)},
                      {"description", optional_string(d.description)},
                      {"flow_id", d.flow_id},
                      {"paused", d.paused},
                      {"schedules", std::move(schedules)},
                      // DeploymentResponse.concurrency_limit is deprecated and always null;
                      // the limit is answered as global_concurrency_limit.
                      {"concurrency_limit", nullptr},
                      {"global_concurrency_limit",
                       d.global_concurrency_limit ? json::value(to_json(*d.global_concurrency_limit)) : json::value()},
                      {"concurrency_options", d.concurrency_options},
                      {"job_variables", d.job_variables},
                      {"parameters", d.parameters},
                      {"tags", std::move(tags)},
                      {"labels", d.labels},
                      {"work_queue_name", optional_string(d.work_queue_name)},
                      {"work_queue_id", optional_string(d.work_queue_id)},
                      {"last_polled", timestamp_or_null(d.last_polled)},
                      {"parameter_openapi_schema", d.parameter_openapi_schema},
                      {"path", optional_string(d.path)},
                      {"pull_steps", d.pull_steps},
                      {"entrypoint", optional_string(d.entrypoint)},
                      {"storage_document_id", optional_string(d.storage_document_id)},
                      {"infrastructure_document_id", optional_string(d.infrastructure_document_id)},
                      {"created_by", d.created_by},
                      {"updated_by", d.updated_by},
                      {"work_pool_name", optional_string(d.work_pool_name)},
                      {"status", d.status},
                      {"enforce_parameter_schema", d.enforce_parameter_schema}};
}

}  // namespace praetor::core
