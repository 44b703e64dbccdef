#include "core/task_run.h"

#include <algorithm>
#include <cmath>

#include "core/slug.h"
#include "core/uuid.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

json::value optional_string(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

bool is_falsy_delay(const json::value& v) {
  if (v.is_null()) return true;
  if (v.is_number()) return v.to_number<double>() == 0;
  if (v.is_array()) return v.get_array().empty();
  return false;
}

// Prefect's set_run_policy_deprecated_fields: the old fields fill the new ones when the
// new ones are unset or falsy.
void apply_deprecated_fallbacks(TaskRunPolicy& p) {
  if ((!p.retries || *p.retries == 0) && p.max_retries != 0) p.retries = p.max_retries;
  if (is_falsy_delay(p.retry_delay) && p.retry_delay_seconds != 0) {
    double whole = std::floor(p.retry_delay_seconds);
    if (whole == p.retry_delay_seconds && std::abs(whole) < 9e15) {
      p.retry_delay = static_cast<int64_t>(whole);
    } else {
      p.retry_delay = p.retry_delay_seconds;
    }
  }
}

constexpr size_t kMaxRetryDelays = 50;

}  // namespace

double TaskRunPolicy::base_delay_for(int64_t run_count) const {
  if (retry_delay.is_number()) return retry_delay.to_number<double>();
  if (const json::array* list = retry_delay.if_array(); list && !list->empty()) {
    int64_t index = std::clamp<int64_t>(run_count - 1, 0, static_cast<int64_t>(list->size()) - 1);
    const json::value& v = (*list)[static_cast<size_t>(index)];
    return v.is_number() ? v.to_number<double>() : 0.0;
  }
  return 0.0;
}

TaskRunPolicy read_task_run_policy(FieldReader& r) {
  TaskRunPolicy p;
  p.max_retries = r.integer("max_retries").value_or(0);
  p.retry_delay_seconds = r.number("retry_delay_seconds").value_or(0);
  p.retries = r.integer("retries");
  if (const json::value* delay = r.raw("retry_delay"); delay && !delay->is_null()) {
    if (delay->is_number()) {
      p.retry_delay = *delay;
    } else if (delay->is_array()) {
      const json::array& list = delay->get_array();
      bool numbers = std::all_of(list.begin(), list.end(), [](const json::value& v) { return v.is_number(); });
      if (!numbers) {
        r.add_error("retry_delay", "float_type", "Input should be a valid number", *delay);
      } else if (list.size() > kMaxRetryDelays) {
        r.add_error("retry_delay", "value_error", "Value error, Can not configure more than 50 retry delays per task.",
                    *delay);
      } else {
        p.retry_delay = *delay;
      }
    } else {
      r.add_error("retry_delay", "float_type", "Input should be a valid number", *delay);
    }
  }
  p.retry_jitter_factor = r.number("retry_jitter_factor");
  if (p.retry_jitter_factor && *p.retry_jitter_factor < 0) {
    r.add_error("retry_jitter_factor", "value_error", "Value error, `retry_jitter_factor` must be >= 0.",
                json::value(*p.retry_jitter_factor));
  }
  apply_deprecated_fallbacks(p);
  return p;
}

TaskRunPolicy task_run_policy_from_json(const json::object& o) {
  TaskRunPolicy p;
  auto number = [&](std::string_view key) -> std::optional<double> {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_number()) return std::nullopt;
    return it->value().to_number<double>();
  };
  if (auto v = number("max_retries")) p.max_retries = static_cast<int64_t>(*v);
  if (auto v = number("retry_delay_seconds")) p.retry_delay_seconds = *v;
  if (auto v = number("retries")) p.retries = static_cast<int64_t>(*v);
  if (auto it = o.find("retry_delay"); it != o.end() && (it->value().is_number() || it->value().is_array())) {
    p.retry_delay = it->value();
  }
  p.retry_jitter_factor = number("retry_jitter_factor");
  apply_deprecated_fallbacks(p);
  return p;
}

json::object to_json(const TaskRunPolicy& p) {
  return {{"max_retries", p.max_retries},
          {"retry_delay_seconds", p.retry_delay_seconds},
          {"retries", p.retries ? json::value(*p.retries) : json::value(nullptr)},
          {"retry_delay", p.retry_delay},
          {"retry_jitter_factor", p.retry_jitter_factor ? json::value(*p.retry_jitter_factor) : json::value(nullptr)}};
}

std::chrono::microseconds duration_from_seconds(double seconds) {
  if (!std::isfinite(seconds)) return std::chrono::microseconds(0);
  return std::chrono::microseconds(std::llround(seconds * 1e6));
}

json::object to_json(const TaskRun& t, Timestamp now) {
  json::array tags;
  for (const auto& tag : t.tags) tags.emplace_back(tag);

  // ORM hybrid properties (orm_models.py Run.estimated_run_time / estimated_start_time_delta).
  std::chrono::microseconds estimated_run_time = t.total_run_time;
  if (t.state && t.state->type == StateType::kRunning) estimated_run_time += now - t.state->timestamp;
  std::chrono::microseconds start_delta{0};
  if (t.start_time && t.expected_start_time && *t.start_time > *t.expected_start_time) {
    start_delta = *t.start_time - *t.expected_start_time;
  } else if (!t.start_time && t.expected_start_time && *t.expected_start_time < now &&
             !(t.state && is_final(t.state->type))) {
    start_delta = now - *t.expected_start_time;
  }

  json::object out;
  out["id"] = t.id;
  out["created"] = format_timestamp(t.created);
  out["updated"] = format_timestamp(t.updated);
  out["name"] = t.name;
  out["flow_run_id"] = optional_string(t.flow_run_id);
  out["task_key"] = t.task_key;
  out["dynamic_key"] = t.dynamic_key;
  out["cache_key"] = optional_string(t.cache_key);
  out["cache_expiration"] = timestamp_or_null(t.cache_expiration);
  out["task_version"] = optional_string(t.task_version);
  out["empirical_policy"] = to_json(t.empirical_policy);
  out["tags"] = std::move(tags);
  out["labels"] = t.labels;
  out["state_id"] = t.state ? json::value(t.state->id) : json::value(nullptr);
  out["task_inputs"] = t.task_inputs;
  out["state_type"] = t.state ? json::value(to_string(t.state->type)) : json::value(nullptr);
  out["state_name"] = t.state ? json::value(t.state->name) : json::value(nullptr);
  out["run_count"] = t.run_count;
  out["flow_run_run_count"] = t.flow_run_run_count;
  out["expected_start_time"] = timestamp_or_null(t.expected_start_time);
  out["next_scheduled_start_time"] = timestamp_or_null(t.next_scheduled_start_time);
  out["start_time"] = timestamp_or_null(t.start_time);
  out["end_time"] = timestamp_or_null(t.end_time);
  out["total_run_time"] = to_seconds(t.total_run_time);
  out["estimated_run_time"] = to_seconds(estimated_run_time);
  out["estimated_start_time_delta"] = to_seconds(start_delta);
  out["state"] = t.state ? json::value(to_json(*t.state)) : json::value(nullptr);
  return out;
}

Result<TaskRunCreate> parse_task_run_create(const json::value& body, Timestamp now) {
  FieldReader r(body, json::array{"body"});
  TaskRunCreate out;
  TaskRun& t = out.run;
  out.id = r.uuid("id");
  t.name = r.string("name").value_or("");
  if (t.name.empty()) t.name = generate_slug();
  t.flow_run_id = r.uuid("flow_run_id");
  t.task_key = r.string("task_key", true).value_or("");
  t.dynamic_key = r.string("dynamic_key", true).value_or("");
  t.cache_key = r.string("cache_key");
  t.cache_expiration = r.timestamp("cache_expiration");
  t.task_version = r.string("task_version");
  FieldReader policy = r.nested("empirical_policy");
  if (policy.is_object()) t.empirical_policy = read_task_run_policy(policy);
  t.tags = r.string_list("tags").value_or(std::vector<std::string>{});
  if (const json::object* labels = r.object("labels")) t.labels = *labels;
  if (const json::object* inputs = r.object("task_inputs")) {
    for (const auto& kv : *inputs) {
      const json::array* list = kv.value().if_array();
      bool valid = list != nullptr;
      if (list) {
        for (const auto& item : *list) {
          const json::object* o = item.if_object();
          if (!o || !o->contains("input_type")) valid = false;
        }
      }
      if (!valid) {
        r.add_error("task_inputs", "list_type", "Input should be a valid list of run inputs", kv.value());
        break;
      }
    }
    t.task_inputs = *inputs;
  }
  if (const json::value* state = r.raw("state"); state && !state->is_null()) {
    auto parsed = parse_state_create(*state, json::array{"body", "state"}, now);
    if (!parsed) {
      if (!r.ok()) {
        Error e = r.error();
        for (const auto& d : parsed.error().detail.as_array()) e.detail.as_array().push_back(d);
        return e;
      }
      return parsed.error();
    }
    out.initial_state = std::move(*parsed);
  }
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace praetor::core
