// The import's steps for flow runs and task runs with their whole state histories, and
// their logs (import_steps.h). Runs and their states are read as two cursors in run-id order
// and merged, so a run is written together with its history in one transaction.
#include <map>

#include "importer/import_steps.h"
#include "store/flow_run_repository.h"
#include "store/log_repository.h"
#include "store/task_run_repository.h"

namespace praetor::importer {

namespace json = boost::json;
using K = ColumnKind;

namespace {

constexpr size_t kRunBatch = 200;
constexpr size_t kLogBatch = 1000;

const std::vector<SourceColumn> kStateColumns = {
    {"id"}, {"type"}, {"timestamp", K::kTimestamp}, {"name"}, {"message"}, {"state_details", K::kJson},
    {"data", K::kJson}, {"result_artifact_id"}, {"run_id"}};

// Prefect keeps a state's result in the artifact its result_artifact_id names and answers
// that artifact's data as the state's `data`; Praetor keeps it in the state row: artifact
// id → its data, for the artifacts states name.
using ResultData = std::map<std::string, json::value>;

ResultData read_result_data(PrefectSource& source) {
  static const std::vector<SourceColumn> kColumns = {{"id"}, {"data", K::kJson}};
  ResultData out;
  auto cursor = source.select("artifact", kColumns, "",
                              "id IN (SELECT result_artifact_id FROM flow_run_state UNION "
                              "SELECT result_artifact_id FROM task_run_state)");
  while (auto r = cursor->next()) out.emplace(r->text_or_empty("id"), r->json("data"));
  return out;
}

core::State state_from(const SourceRow& r, const ResultData& results) {
  core::State s;
  s.id = r.text_or_empty("id");
  s.type = core::parse_state_type(r.text_or_empty("type")).value_or(core::StateType::kPending);
  s.timestamp = r.time_or_epoch("timestamp");
  s.name = r.text_or_empty("name");
  s.message = r.text("message");
  s.state_details = r.object("state_details");
  s.data = r.json("data");
  if (auto artifact = r.text("result_artifact_id"); artifact && s.data.is_null()) {
    if (auto it = results.find(*artifact); it != results.end()) s.data = it->second;
  }
  return s;
}

// A run with its states, oldest first.
template <class Run>
struct WithStates {
  Run run;
  std::vector<core::State> states;
};

// Reads `run_table` in id order with the states of `state_table` (whose run column is
// `run_column`) merged in, `kRunBatch` runs at a time, passing each batch to `write`.
template <class Run>
core::Status read_runs_with_states(PrefectSource& source, const std::string& run_table,
                                   const std::vector<SourceColumn>& run_columns, const std::string& state_table,
                                   const std::string& run_column, const std::function<Run(const SourceRow&)>& convert,
                                   const std::function<core::Status(std::vector<WithStates<Run>>&)>& write) {
  std::vector<SourceColumn> state_columns = kStateColumns;
  state_columns.back().name = run_column;
  const ResultData results = read_result_data(source);
  auto runs = source.select(run_table, run_columns, "id");
  auto states = source.select(state_table, state_columns, run_column + ", timestamp, id");
  std::optional<SourceRow> pending_state = states->next();
  std::vector<WithStates<Run>> batch;
  while (auto row = runs->next()) {
    WithStates<Run> item{convert(*row), {}};
    const std::string id = row->text_or_empty("id");
    // Both cursors are ordered by run id in the source's own collation: skip states of runs
    // that sort before this one (orphans), take this run's.
    while (pending_state && pending_state->text_or_empty(run_column) < id) pending_state = states->next();
    while (pending_state && pending_state->text_or_empty(run_column) == id) {
      item.states.push_back(state_from(*pending_state, results));
      pending_state = states->next();
    }
    batch.push_back(std::move(item));
    if (batch.size() == kRunBatch) {
      if (auto st = write(batch); !st) return st;
      batch.clear();
    }
  }
  if (!batch.empty()) return write(batch);
  return core::Ok{};
}

}  // namespace

core::Result<TableOutcome> import_flow_runs(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"state_type"},
      {"run_count", K::kNumber}, {"expected_start_time", K::kTimestamp},
      {"next_scheduled_start_time", K::kTimestamp}, {"start_time", K::kTimestamp}, {"end_time", K::kTimestamp},
      {"total_run_time", K::kInterval}, {"flow_version"}, {"parameters", K::kJson}, {"idempotency_key"},
      {"context", K::kJson}, {"empirical_policy", K::kJson}, {"tags", K::kJson}, {"labels", K::kJson},
      {"auto_scheduled", K::kBool}, {"flow_id"}, {"deployment_id"}, {"parent_task_run_id"}, {"state_id"},
      {"state_name"}, {"infrastructure_document_id"}, {"work_queue_name"}, {"state_timestamp", K::kTimestamp},
      {"created_by", K::kJson}, {"infrastructure_pid"}, {"work_queue_id"}, {"job_variables", K::kJson},
      {"deployment_version"}};
  TableOutcome out;
  out.table = "flow_run";
  out.in_prefect = source.count("flow_run");
  auto convert = [](const SourceRow& r) {
    core::FlowRun run;
    run.id = r.text_or_empty("id");
    run.created = r.time_or_epoch("created");
    run.updated = r.time_or_epoch("updated");
    run.name = r.text_or_empty("name");
    run.state_type = core::parse_state_type(r.text_or_empty("state_type"));
    run.run_count = r.integer("run_count").value_or(0);
    run.expected_start_time = r.time("expected_start_time");
    run.next_scheduled_start_time = r.time("next_scheduled_start_time");
    run.start_time = r.time("start_time");
    run.end_time = r.time("end_time");
    run.total_run_time = r.interval("total_run_time");
    run.flow_version = r.text("flow_version");
    run.parameters = r.object("parameters");
    run.idempotency_key = r.text("idempotency_key");
    run.context = r.object("context");
    run.empirical_policy = core::flow_run_policy_from_json(r.object("empirical_policy"));
    run.tags = r.strings("tags");
    run.labels = r.object("labels");
    run.auto_scheduled = r.flag("auto_scheduled");
    run.flow_id = r.text_or_empty("flow_id");
    run.deployment_id = r.text("deployment_id");
    run.parent_task_run_id = r.text("parent_task_run_id");
    run.state_id = r.text("state_id");
    run.state_name = r.text("state_name");
    run.infrastructure_document_id = r.text("infrastructure_document_id");
    run.work_queue_name = r.text("work_queue_name");
    run.state_timestamp = r.time("state_timestamp");
    run.created_by = r.json("created_by");
    run.infrastructure_pid = r.text("infrastructure_pid");
    run.work_queue_id = r.text("work_queue_id");
    run.job_variables = r.object("job_variables");
    run.deployment_version = r.text("deployment_version");
    return run;
  };
  auto write_one = [](store::Connection& c, const WithStates<core::FlowRun>& item) {
    const core::FlowRun& run = item.run;
    if (row_exists(c, "flow_run", run.id)) return RowOutcome::already_there();
    if (!row_exists(c, "flow", run.flow_id)) {
      return RowOutcome::not_copied("flow run " + run.name + " (" + run.id + "): its flow was not imported");
    }
    if (!store::flow_runs::create(c, run).created) {
      return RowOutcome::not_copied("flow run " + run.name + " (" + run.id +
                                    "): Praetor has a run of its flow with the same idempotency key");
    }
    // The history, oldest first; each write leaves the run's columns as Prefect had them.
    const core::FlowRun blank;
    for (const auto& state : item.states) store::flow_runs::write_state(c, blank, run, state, run.updated);
    if (item.states.empty()) store::flow_runs::write_bookkeeping(c, blank, run, run.updated);
    if (run.infrastructure_pid) {
      core::FlowRunUpdate pid;
      pid.infrastructure_pid = run.infrastructure_pid;
      store::flow_runs::update(c, run.id, pid, run.updated);
    }
    return RowOutcome::copied();
  };
  auto st = read_runs_with_states<core::FlowRun>(
      source, "flow_run", kColumns, "flow_run_state", "flow_run_id", convert,
      [&](std::vector<WithStates<core::FlowRun>>& batch) {
        return write_in_batches<WithStates<core::FlowRun>>(db, batch, kRunBatch, out, write_one);
      });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_task_runs(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"run_count", K::kNumber},
      {"expected_start_time", K::kTimestamp}, {"next_scheduled_start_time", K::kTimestamp},
      {"start_time", K::kTimestamp}, {"end_time", K::kTimestamp}, {"total_run_time", K::kInterval},
      {"task_key"}, {"dynamic_key"}, {"cache_key"}, {"cache_expiration", K::kTimestamp}, {"task_version"},
      {"empirical_policy", K::kJson}, {"task_inputs", K::kJson}, {"tags", K::kJson}, {"flow_run_id"},
      {"state_id"}, {"flow_run_run_count", K::kNumber}, {"labels", K::kJson}};
  TableOutcome out;
  out.table = "task_run";
  out.in_prefect = source.count("task_run");
  struct Item {
    core::TaskRun run;
    std::optional<std::string> state_id;
  };
  auto convert = [](const SourceRow& r) {
    core::TaskRun t;
    t.id = r.text_or_empty("id");
    t.created = r.time_or_epoch("created");
    t.updated = r.time_or_epoch("updated");
    t.name = r.text_or_empty("name");
    t.run_count = r.integer("run_count").value_or(0);
    t.expected_start_time = r.time("expected_start_time");
    t.next_scheduled_start_time = r.time("next_scheduled_start_time");
    t.start_time = r.time("start_time");
    t.end_time = r.time("end_time");
    t.total_run_time = r.interval("total_run_time");
    t.task_key = r.text_or_empty("task_key");
    t.dynamic_key = r.text_or_empty("dynamic_key");
    t.cache_key = r.text("cache_key");
    t.cache_expiration = r.time("cache_expiration");
    t.task_version = r.text("task_version");
    t.empirical_policy = core::task_run_policy_from_json(r.object("empirical_policy"));
    t.task_inputs = r.object("task_inputs");
    t.tags = r.strings("tags");
    t.flow_run_id = r.text("flow_run_id");
    t.flow_run_run_count = r.integer("flow_run_run_count").value_or(0);
    t.labels = r.object("labels");
    return Item{std::move(t), r.text("state_id")};
  };
  auto write_one = [](store::Connection& c, const WithStates<Item>& item) {
    const core::TaskRun& run = item.run.run;
    if (row_exists(c, "task_run", run.id)) return RowOutcome::already_there();
    if (run.flow_run_id && !row_exists(c, "flow_run", *run.flow_run_id)) {
      return RowOutcome::not_copied("task run " + run.name + " (" + run.id + "): its flow run was not imported");
    }
    if (!store::task_runs::get_or_create(c, run).created) {
      return RowOutcome::not_copied("task run " + run.name + " (" + run.id +
                                    "): Praetor has a task run with the same task and dynamic key");
    }
    // The history, oldest first, then the run's current state again if it is not the newest.
    const core::State* current = nullptr;
    for (const auto& state : item.states) {
      store::task_runs::save_state(c, run, state, run.updated);
      if (item.run.state_id && state.id == *item.run.state_id) current = &state;
    }
    if (current && current != &item.states.back()) {
      auto& st = c.prepare(
          "UPDATE task_run SET state_id = ?2, state_type = ?3, state_name = ?4, state_timestamp = ?5 WHERE id = ?1");
      st.bind(1, run.id)
          .bind(2, current->id)
          .bind(3, core::to_string(current->type))
          .bind(4, current->name)
          .bind(5, core::to_micros(current->timestamp))
          .run();
    }
    return RowOutcome::copied();
  };
  auto st = read_runs_with_states<Item>(
      source, "task_run", kColumns, "task_run_state", "task_run_id", convert,
      [&](std::vector<WithStates<Item>>& batch) {
        return write_in_batches<WithStates<Item>>(db, batch, kRunBatch, out, write_one);
      });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_logs(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"level", K::kNumber},
      {"flow_run_id"}, {"task_run_id"}, {"message"}, {"timestamp", K::kTimestamp}};
  TableOutcome out;
  out.table = "log";
  out.in_prefect = source.count("log");
  auto write_one = [](store::Connection& c, const store::logs::Log& log) {
    if (row_exists(c, "log", log.id)) return RowOutcome::already_there();
    store::logs::insert_many(c, {log});
    return RowOutcome::copied();
  };
  std::vector<store::logs::Log> batch;
  auto cursor = source.select("log", kColumns, "timestamp, id");
  while (auto r = cursor->next()) {
    store::logs::Log log;
    log.id = r->text_or_empty("id");
    log.created = r->time_or_epoch("created");
    log.updated = r->time_or_epoch("updated");
    log.name = r->text_or_empty("name");
    log.level = r->integer("level").value_or(0);
    log.flow_run_id = r->text("flow_run_id");
    log.task_run_id = r->text("task_run_id");
    log.message = r->text_or_empty("message");
    log.timestamp = r->time_or_epoch("timestamp");
    batch.push_back(std::move(log));
    if (batch.size() == kLogBatch) {
      if (auto st = write_in_batches<store::logs::Log>(db, batch, kLogBatch, out, write_one); !st) return st.error();
      batch.clear();
    }
  }
  if (auto st = write_in_batches<store::logs::Log>(db, batch, kLogBatch, out, write_one); !st) return st.error();
  return out;
}

}  // namespace praetor::importer
