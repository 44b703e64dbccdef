#include "core/flow_run.h"

#include <algorithm>

#include "core/slug.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

json::value optional_string(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::array string_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& item : items) a.emplace_back(item);
  return a;
}

// FlowRunPolicy's before-validator: deprecated fields fill the new ones when unset.
void apply_deprecated_policy_fields(FlowRunPolicy& p) {
  if ((!p.retries || *p.retries == 0) && p.max_retries != 0) p.retries = p.max_retries;
  if ((!p.retry_delay || *p.retry_delay == 0) && p.retry_delay_seconds != 0) {
    p.retry_delay = static_cast<int64_t>(p.retry_delay_seconds);
  }
}

}  // namespace

bool FlowRunPolicy::has_pause_key(const std::string& key) const {
  return std::find(pause_keys.begin(), pause_keys.end(), key) != pause_keys.end();
}

void FlowRunPolicy::add_pause_key(const std::string& key) {
  if (!has_pause_key(key)) pause_keys.push_back(key);
}

json::object to_json(const FlowRunPolicy& p) {
  return {{"max_retries", p.max_retries},
          {"retry_delay_seconds", p.retry_delay_seconds},
          {"retries", p.retries ? json::value(*p.retries) : json::value(nullptr)},
          {"retry_delay", p.retry_delay ? json::value(*p.retry_delay) : json::value(nullptr)},
          {"pause_keys", string_array(p.pause_keys)},
          {"resuming", p.resuming},
          {"retry_type", optional_string(p.retry_type)}};
}

FlowRunPolicy read_flow_run_policy(FieldReader& r) {
  FlowRunPolicy p;
  p.max_retries = r.integer("max_retries").value_or(0);
  p.retry_delay_seconds = r.number("retry_delay_seconds").value_or(0);
  p.retries = r.integer("retries");
  p.retry_delay = r.integer("retry_delay");
  if (auto keys = r.string_list("pause_keys")) {
    for (const auto& k : *keys) p.add_pause_key(k);
  }
  p.resuming = r.boolean("resuming").value_or(false);
  if (auto type = r.string("retry_type")) {
    if (*type == "in_process" || *type == "reschedule") {
      p.retry_type = *type;
    } else {
      r.add_error("retry_type", "literal_error", "Input should be 'in_process' or 'reschedule'",
                  json::value(*type));
    }
  }
  apply_deprecated_policy_fields(p);
  return p;
}

FlowRunPolicy flow_run_policy_from_json(const json::object& o) {
  json::value v = o;
  FieldReader r(v, json::array{});
  return read_flow_run_policy(r);
}

json::object to_json(const FlowRun& run, Timestamp now) {
  std::chrono::microseconds estimated_run_time = run.total_run_time;
  if (run.state_type == StateType::kRunning && run.state_timestamp) {
    estimated_run_time += now - *run.state_timestamp;
  }
  std::chrono::microseconds lateness{0};
  if (run.start_time && run.expected_start_time && *run.start_time > *run.expected_start_time) {
    lateness = *run.start_time - *run.expected_start_time;
  } else if (!run.start_time && run.expected_start_time && *run.expected_start_time < now &&
             !(run.state_type && is_final(*run.state_type))) {
    lateness = now - *run.expected_start_time;
  }
  json::value state = run.state ? json::value(to_json(*run.state)) : json::value(nullptr);
  return {
      {"id", run.id},
      {"created", format_timestamp(run.created)},
      {"updated", format_timestamp(run.updated)},
      {"name", run.name},
      {"flow_id", run.flow_id},
      {"state_id", optional_string(run.state_id)},
      {"deployment_id", optional_string(run.deployment_id)},
      {"deployment_version", optional_string(run.deployment_version)},
      {"work_queue_id", optional_string(run.work_queue_id)},
      {"work_queue_name", optional_string(run.work_queue_name)},
      {"flow_version", optional_string(run.flow_version)},
      {"parameters", run.parameters},
      {"idempotency_key", optional_string(run.idempotency_key)},
      {"context", run.context},
      {"empirical_policy", to_json(run.empirical_policy)},
      {"tags", string_array(run.tags)},
      {"labels", run.labels},
      {"parent_task_run_id", optional_string(run.parent_task_run_id)},
      {"state_type", run.state_type ? json::value(to_string(*run.state_type)) : json::value(nullptr)},
      {"state_name", optional_string(run.state_name)},
      {"run_count", run.run_count},
      {"expected_start_time", timestamp_or_null(run.expected_start_time)},
      {"next_scheduled_start_time", timestamp_or_null(run.next_scheduled_start_time)},
      {"start_time", timestamp_or_null(run.start_time)},
      {"end_time", timestamp_or_null(run.end_time)},
      {"total_run_time", to_seconds(run.total_run_time)},
      {"estimated_run_time", to_seconds(estimated_run_time)},
      {"estimated_start_time_delta", to_seconds(lateness)},
      {"auto_scheduled", run.auto_scheduled},
      {"infrastructure_document_id", optional_string(run.infrastructure_document_id)},
      {"infrastructure_pid", optional_string(run.infrastructure_pid)},
      {"created_by", run.created_by},
      {"work_pool_id", optional_string(run.work_pool_id)},
      {"work_pool_name", optional_string(run.work_pool_name)},
      {"state", std::move(state)},
      {"job_variables", run.job_variables},
  };
}

Result<FlowRunCreate> parse_flow_run_create(const json::value& body, Timestamp now) {
  FieldReader r(body, json::array{"body"});
  FlowRunCreate out;
  FlowRun& run = out.run;
  if (!r.is_object()) return r.error();
  run.name = r.string("name").value_or("");
  if (run.name.empty()) run.name = generate_slug();
  run.flow_id = r.uuid("flow_id", true).value_or("");
  run.flow_version = r.string("flow_version");
  if (const json::object* p = r.object("parameters")) run.parameters = *p;
  if (const json::object* c = r.object("context")) run.context = *c;
  run.parent_task_run_id = r.uuid("parent_task_run_id");
  run.infrastructure_document_id = r.uuid("infrastructure_document_id");
  FieldReader policy = r.nested("empirical_policy");
  if (policy.is_object()) run.empirical_policy = read_flow_run_policy(policy);
  run.tags = r.string_list("tags").value_or(std::vector<std::string>{});
  if (const json::object* l = r.object("labels")) run.labels = *l;
  run.idempotency_key = r.string("idempotency_key");
  // Resolved to a queue by the caller (the pool's default queue without a queue name).
  run.work_pool_name = r.string("work_pool_name");
  run.work_queue_name = r.string("work_queue_name");
  if (const json::object* jv = r.object("job_variables")) run.job_variables = *jv;
  run.deployment_id = r.uuid("deployment_id");
  if (const json::value* state = r.raw("state"); state && !state->is_null()) {
    auto parsed = parse_state_create(*state, json::array{"body", "state"}, now);
    if (parsed) {
      out.state = std::move(*parsed);
    } else {
      // Report the state's 422 entries together with this body's own.
      Error merged = r.ok() ? parsed.error() : r.error();
      if (!r.ok()) {
        for (const auto& e : parsed.error().detail.as_array()) merged.detail.as_array().push_back(e);
      }
      return merged;
    }
  }
  if (!r.ok()) return r.error();
  return out;
}

Result<FlowRunUpdate> parse_flow_run_update(const json::value& body) {
  FieldReader r(body, json::array{"body"});
  FlowRunUpdate u;
  if (!r.is_object()) return r.error();
  if (r.present("name")) {
    u.name = r.string("name").value_or("");
    if (u.name->empty()) u.name = generate_slug();
  }
  u.flow_version = r.string("flow_version");
  if (const json::object* p = r.object("parameters")) u.parameters = *p;
  FieldReader policy = r.nested("empirical_policy");
  if (policy.is_object()) u.empirical_policy = read_flow_run_policy(policy);
  u.tags = r.string_list("tags");
  u.infrastructure_pid = r.string("infrastructure_pid");
  if (const json::object* jv = r.object("job_variables")) u.job_variables = *jv;
  if (!r.ok()) return r.error();
  return u;
}

}  // namespace praetor::core
