#include "api/log_stream_filter.h"

#include <algorithm>

#include "core/uuid.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

core::Error invalid(const std::string& where, const std::string& what) {
  return core::Error::invalid(where + ": " + what);
}

// The object at `key` of `parent`, nullptr when absent or null.
core::Result<const json::object*> member_object(const json::object& parent, const char* key, const std::string& where) {
  const json::value* v = parent.if_contains(key);
  if (!v || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return invalid(where + "." + key, "Input should be a valid dictionary");
  return &v->get_object();
}

core::Result<std::optional<int64_t>> optional_int(const json::object& o, const char* key, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v->get_uint64()));
  }
  return invalid(where + "." + key, "Input should be a valid integer");
}

core::Result<std::optional<core::Timestamp>> optional_time(const json::object& o, const char* key,
                                                           const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<core::Timestamp>();
  if (v->is_string()) {
    if (auto t = core::parse_timestamp(std::string_view(v->get_string()))) return std::optional<core::Timestamp>(*t);
  }
  return invalid(where + "." + key, "Input should be a valid datetime");
}

core::Result<std::optional<std::vector<std::string>>> optional_uuids(const json::object& o, const char* key,
                                                                     const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return invalid(where + "." + key, "Input should be a valid list");
  std::vector<std::string> ids;
  for (const auto& item : v->get_array()) {
    std::optional<std::string> id;
    if (item.is_string()) id = core::parse_uuid(std::string_view(item.get_string()));
    if (!id) return invalid(where + "." + key, "Input should be a valid UUID");
    ids.push_back(std::move(*id));
  }
  return std::optional<std::vector<std::string>>(std::move(ids));
}

// Whether `id` (a UUID text or null) is among `ids`.
bool contains(const std::vector<std::string>& ids, const json::value* id) {
  return id && id->is_string() && std::find(ids.begin(), ids.end(), std::string_view(id->get_string())) != ids.end();
}

}  // namespace

core::Result<LogStreamFilter> parse_log_stream_filter(const json::value* filter) {
  LogStreamFilter f;
  if (!filter || filter->is_null()) return f;
  if (!filter->is_object()) return invalid("filter", "Input should be a valid dictionary");
  const json::object& o = filter->get_object();

  auto level = member_object(o, "level", "level");
  if (!level) return level.error();
  if (*level) {
    auto ge = optional_int(**level, "ge_", "level");
    if (!ge) return ge.error();
    auto le = optional_int(**level, "le_", "level");
    if (!le) return le.error();
    f.level_ge = *ge;
    f.level_le = *le;
  }
  auto timestamp = member_object(o, "timestamp", "timestamp");
  if (!timestamp) return timestamp.error();
  if (*timestamp) {
    auto before = optional_time(**timestamp, "before_", "timestamp");
    if (!before) return before.error();
    auto after = optional_time(**timestamp, "after_", "timestamp");
    if (!after) return after.error();
    f.timestamp_before = *before;
    f.timestamp_after = *after;
  }
  auto flow_run = member_object(o, "flow_run_id", "flow_run_id");
  if (!flow_run) return flow_run.error();
  if (*flow_run) {
    auto any = optional_uuids(**flow_run, "any_", "flow_run_id");
    if (!any) return any.error();
    f.flow_run_ids = std::move(*any);
  }
  auto task_run = member_object(o, "task_run_id", "task_run_id");
  if (!task_run) return task_run.error();
  if (*task_run) {
    auto any = optional_uuids(**task_run, "any_", "task_run_id");
    if (!any) return any.error();
    f.task_run_ids = std::move(*any);
    const json::value* is_null = (*task_run)->if_contains("is_null_");
    if (is_null && !is_null->is_null()) {
      if (!is_null->is_bool()) return invalid("task_run_id.is_null_", "Input should be a valid boolean");
      f.task_run_is_null = is_null->get_bool();
    }
  }
  return f;
}

bool matches(const LogStreamFilter& f, const json::object& log) {
  if (f.level_ge || f.level_le) {
    int64_t level = log.at("level").to_number<int64_t>();
    if (f.level_ge && level < *f.level_ge) return false;
    if (f.level_le && level > *f.level_le) return false;
  }
  if (f.timestamp_before || f.timestamp_after) {
    auto timestamp = core::parse_timestamp(std::string_view(log.at("timestamp").get_string()));
    if (!timestamp) return false;
    if (f.timestamp_before && *timestamp > *f.timestamp_before) return false;
    if (f.timestamp_after && *timestamp < *f.timestamp_after) return false;
  }
  const json::value* task_run_id = log.if_contains("task_run_id");
  if (f.flow_run_ids && !contains(*f.flow_run_ids, log.if_contains("flow_run_id"))) return false;
  if (f.task_run_ids && !contains(*f.task_run_ids, task_run_id)) return false;
  if (f.task_run_is_null && *f.task_run_is_null != (!task_run_id || task_run_id->is_null())) return false;
  return true;
}

}  // namespace praetor::api
