#include "events/task_run_recorder.h"

#include <spdlog/spdlog.h>

#include "core/json_util.h"
#include "core/uuid.h"
#include "events/event_persister.h"

namespace praetor::events {

namespace json = boost::json;
using store::task_runs::RecordedTaskRun;

namespace {

constexpr std::string_view kTaskRunPrefix = "prefect.task-run.";
constexpr std::string_view kFlowRunPrefix = "prefect.flow-run.";

std::optional<std::string> object_id(std::string_view resource_id, std::string_view prefix) {
  if (resource_id.substr(0, prefix.size()) != prefix) return std::nullopt;
  return core::parse_uuid(resource_id.substr(prefix.size()));
}

// The payload's task_run fields, typed; `present` lists the ones the event carried.
bool read_task_run_fields(const json::object& fields, core::TaskRun& t, std::vector<std::string>& present) {
  const json::value holder(fields);
  core::FieldReader r(holder, json::array{"payload", "task_run"});
  if (auto v = r.string("name")) t.name = *v;
  t.task_key = r.string("task_key").value_or("");
  t.dynamic_key = r.string("dynamic_key").value_or("");
  t.cache_key = r.string("cache_key");
  t.cache_expiration = r.timestamp("cache_expiration");
  t.task_version = r.string("task_version");
  core::FieldReader policy = r.nested("empirical_policy");
  if (policy.is_object()) t.empirical_policy = core::read_task_run_policy(policy);
  t.tags = r.string_list("tags").value_or(std::vector<std::string>{});
  if (const json::object* labels = r.object("labels")) t.labels = *labels;
  if (const json::object* inputs = r.object("task_inputs")) t.task_inputs = *inputs;
  t.run_count = r.integer("run_count").value_or(0);
  t.flow_run_run_count = r.integer("flow_run_run_count").value_or(0);
  t.expected_start_time = r.timestamp("expected_start_time");
  t.next_scheduled_start_time = r.timestamp("next_scheduled_start_time");
  t.start_time = r.timestamp("start_time");
  t.end_time = r.timestamp("end_time");
  t.total_run_time = core::duration_from_seconds(r.number("total_run_time").value_or(0));
  if (!r.ok()) return false;
  for (const auto& kv : fields) present.emplace_back(kv.key());
  return true;
}

}  // namespace

bool is_client_task_run_event(const Event& e) {
  if (e.event.compare(0, kTaskRunPrefix.size(), kTaskRunPrefix) != 0) return false;
  auto it = e.resource.find("prefect.orchestration");
  return it != e.resource.end() && it->value().is_string() && it->value().get_string() == "client";
}

std::optional<RecordedTaskRun> recorded_task_run_from_event(const Event& e) {
  if (!is_client_task_run_event(e)) return std::nullopt;
  auto task_run_id = object_id(e.resource_id(), kTaskRunPrefix);
  if (!task_run_id) return std::nullopt;
  auto validated = e.payload.find("validated_state");
  auto fields = e.payload.find("task_run");
  if (validated == e.payload.end() || fields == e.payload.end() || !fields->value().is_object()) return std::nullopt;

  RecordedTaskRun out;
  out.run.id = *task_run_id;
  if (auto related = e.related_id("flow-run")) out.run.flow_run_id = object_id(*related, kFlowRunPrefix);
  if (!read_task_run_fields(fields->value().get_object(), out.run, out.present)) return std::nullopt;
  if (out.run.task_key.empty() && out.run.dynamic_key.empty()) return std::nullopt;

  auto state = core::parse_state_create(validated->value(), json::array{"payload", "validated_state"}, e.received);
  if (!state) return std::nullopt;
  out.state = std::move(*state);
  out.state.id = e.id;
  out.state.timestamp = e.occurred;
  // The payload's own timestamp, when it has one, wins (Prefect spreads validated_state last).
  if (const json::value* ts = validated->value().as_object().if_contains("timestamp"); ts && ts->is_string()) {
    if (auto t = core::parse_timestamp(ts->get_string())) out.state.timestamp = *t;
  }
  return out;
}

void TaskRunRecorder::on_events(const std::vector<Event>& batch) {
  std::vector<RecordedTaskRun> records;
  for (const auto& e : batch) {
    if (!is_client_task_run_event(e)) continue;
    if (auto r = recorded_task_run_from_event(e)) {
      records.push_back(std::move(*r));
    } else {
      spdlog::warn("task-run recorder: ignoring malformed event {} ({})", e.id, e.event);
    }
  }
  if (records.empty()) return;
  core::Timestamp now = clock_.now();
  // Bulk writes (store/database.h: write_bulk) of at most kRecordsPerWrite, so a flood of
  // task-run events does not hold orchestration writes behind it (the size and its
  // measurements: EventPersister::kEventsPerWrite).
  constexpr std::size_t kRecordsPerWrite = EventPersister::kEventsPerWrite;
  core::Status written = core::Ok{};
  for (std::size_t start = 0; start < records.size() && written.ok(); start += kRecordsPerWrite) {
    const std::size_t end = std::min(records.size(), start + kRecordsPerWrite);
    auto chunk = db_.write_bulk<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
      for (std::size_t i = start; i < end; ++i) (void)store::task_runs::record(c, records[i], now);
      return core::Ok{};
    });
    if (!chunk) written = chunk.error();
  }
  if (written.ok()) return;
  spdlog::warn("task-run recorder: batch of {} failed ({}); recording one at a time", records.size(),
               written.error().message);
  for (const auto& r : records) {
    auto one = db_.write_bulk<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
      (void)store::task_runs::record(c, r, now);
      return core::Ok{};
    });
    if (!one) spdlog::error("task-run recorder: dropping state {} of task run {}: {}", r.state.id, r.run.id, one.error().message);
  }
}

}  // namespace praetor::events
