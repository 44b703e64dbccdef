// The import's steps for flow runs and task runs with their whole state histories, and
// their logs (import_steps.h). Runs and their states are read as two cursors in run-id order
// and merged, so a run is written together with its history in one transaction.
#include <map>
#include <set>
#include <type_traits>

#include "core/log.h"
#include "importer/import_steps.h"
#include "importer/source_table.h"
#include "store/flow_run_repository.h"
#include "store/model_table.h"
#include "store/task_run_repository.h"

namespace praetor::importer {

namespace json = boost::json;
using K = ColumnKind;

namespace {

constexpr size_t kRunBatch = 5000;
constexpr size_t kLogBatch = 5000;

const std::vector<SourceColumn> kStateColumns = {
    {"id"}, {"type"}, {"timestamp", K::kTimestamp}, {"name"}, {"message"}, {"state_details", K::kJson},
    {"data", K::kJson}, {"result_artifact_id"}, {"run_id"}};

// Prefect keeps a state's result in the artifact its result_artifact_id names and answers
// that artifact's data as the state's `data`; Praetor keeps it in the state row: artifact
// id → its data, for the artifacts states name.
using ResultData = std::map<std::string, json::value>;

// "flow" → "flow", "flow_run" → "flow run".
std::string parent_table_noun(std::string table) {
  for (char& ch : table) if (ch == '_') ch = ' ';
  return table;
}

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

// Reads `runs` in id order with the states of `state_table` (whose run column is
// `run_column`) merged in, writing `runs.batch` runs with their histories per transaction.
// An Item is a repository's WithHistory: a `run` and its `states`.
template <class Item>
core::Result<TableOutcome> import_runs_with_states(PrefectSource& source, store::Database& db,
                                                   const SourceTable<Item>& runs,
                                                   const std::string& state_table, const std::string& run_column) {
  TableOutcome out = outcome_for(source, runs.table);
  std::vector<SourceColumn> state_columns = kStateColumns;
  state_columns.back().name = run_column;
  const ResultData results = read_result_data(source);
  const std::vector<SourceColumn> run_columns = runs.source_columns();
  auto run_cursor = source.select(runs.table, run_columns, "id");
  auto states = source.select(state_table, state_columns, run_column + ", timestamp, id");
  std::optional<SourceRow> pending_state = states->next();
  std::vector<Item> batch;
  for (;;) {
    auto row = run_cursor->next();
    if (row) {
      Item item = runs.read(*row);
      const std::string id = row->text_or_empty("id");
      // Both cursors are ordered by run id in the source's own collation: skip states of
      // runs that sort before this one (orphans), take this run's.
      while (pending_state && pending_state->text_or_empty(run_column) < id) pending_state = states->next();
      while (pending_state && pending_state->text_or_empty(run_column) == id) {
        item.states.push_back(state_from(*pending_state, results));
        pending_state = states->next();
      }
      batch.push_back(std::move(item));
    }
    if (batch.size() == runs.batch || (!row && !batch.empty())) {
      auto st = write_in_batches<Item>(db, batch, runs.batch, out, runs.write_many, runs.praetor_table);
      if (!st) return st.error();
      batch.clear();
    }
    if (!row) return out;
  }
}

using core::FlowRun;
using FlowRunItem = store::flow_runs::WithHistory;

// The outcome of each of `items` (their parents looked up first: a run whose parent is
// missing is left out, named) after the repository's insert_many of the others.
template <class Item>
std::vector<RowOutcome> insert_runs(store::Connection& c, const std::vector<const Item*>& items,
                                    const std::string& parent_table, const std::string& kind,
                                    const std::function<std::optional<std::string>(const Item&)>& parent_of,
                                    const std::string& taken_why) {
  std::vector<std::string> parents;
  for (const Item* item : items) {
    if (auto p = parent_of(*item)) parents.push_back(*p);
  }
  const std::set<std::string> present = rows_present(c, parent_table, parents);
  std::vector<const Item*> insertable;
  for (const Item* item : items) {
    auto p = parent_of(*item);
    if (!p || present.count(*p)) insertable.push_back(item);
  }
  std::set<std::string> inserted;
  if constexpr (std::is_same_v<Item, FlowRunItem>) {
    inserted = store::flow_runs::insert_many(c, insertable);
  } else {
    inserted = store::task_runs::insert_many(c, insertable);
  }
  std::vector<RowOutcome> out;
  for (const Item* item : items) {
    const std::string name = kind + " " + item->run.name + " (" + item->run.id + "): ";
    auto p = parent_of(*item);
    if (p && !present.count(*p)) {
      out.push_back(RowOutcome::not_copied(name + "its " + parent_table_noun(parent_table) + " was not imported"));
    } else if (!inserted.count(item->run.id)) {
      out.push_back(RowOutcome::not_copied(name + taken_why));
    } else {
      out.push_back(RowOutcome::copied());
    }
  }
  return out;
}

std::vector<RowOutcome> write_flow_runs(store::Connection& c, const std::vector<const FlowRunItem*>& items) {
  return insert_runs<FlowRunItem>(
      c, items, "flow", "flow run", [](const FlowRunItem& i) -> std::optional<std::string> { return i.run.flow_id; },
      "Praetor has a run of its flow with the same idempotency key");
}

const SourceTable<FlowRunItem> kFlowRuns{
    .table = "flow_run",
    .praetor_table = "flow_run",
    .columns = columns_of_member(
        with_row_columns<FlowRun>(
            {column("name", &FlowRun::name),
             column<FlowRun>("state_type", K::kText,
                             [](const SourceRow& r, std::string_view c, FlowRun& run) {
                               run.state_type = core::parse_state_type(r.text_or_empty(c));
                             }),
             column("run_count", &FlowRun::run_count), column("expected_start_time", &FlowRun::expected_start_time),
             column("next_scheduled_start_time", &FlowRun::next_scheduled_start_time),
             column("start_time", &FlowRun::start_time), column("end_time", &FlowRun::end_time),
             column("total_run_time", &FlowRun::total_run_time), column("flow_version", &FlowRun::flow_version),
             column("parameters", &FlowRun::parameters), column("idempotency_key", &FlowRun::idempotency_key),
             column("context", &FlowRun::context),
             column<FlowRun>("empirical_policy", K::kJson,
                             [](const SourceRow& r, std::string_view c, FlowRun& run) {
                               run.empirical_policy = core::flow_run_policy_from_json(r.object(c));
                             }),
             column("tags", &FlowRun::tags), column("labels", &FlowRun::labels),
             column("auto_scheduled", &FlowRun::auto_scheduled), column("flow_id", &FlowRun::flow_id),
             column("deployment_id", &FlowRun::deployment_id),
             column("parent_task_run_id", &FlowRun::parent_task_run_id), column("state_id", &FlowRun::state_id),
             column("state_name", &FlowRun::state_name),
             column("infrastructure_document_id", &FlowRun::infrastructure_document_id),
             column("work_queue_name", &FlowRun::work_queue_name),
             column("state_timestamp", &FlowRun::state_timestamp), column("created_by", &FlowRun::created_by),
             column("infrastructure_pid", &FlowRun::infrastructure_pid),
             column("work_queue_id", &FlowRun::work_queue_id), column("job_variables", &FlowRun::job_variables),
             column("deployment_version", &FlowRun::deployment_version)}),
        &FlowRunItem::run),
    .write_many = write_flow_runs,
    .order_by = "id",
    .batch = kRunBatch};

using core::TaskRun;
using TaskRunItem = store::task_runs::WithHistory;

std::vector<RowOutcome> write_task_runs(store::Connection& c, const std::vector<const TaskRunItem*>& items) {
  return insert_runs<TaskRunItem>(
      c, items, "flow_run", "task run", [](const TaskRunItem& i) { return i.run.flow_run_id; },
      "Praetor has a task run with the same task and dynamic key");
}

std::vector<ColumnInto<TaskRunItem>> task_run_columns() {
  auto columns = columns_of_member(
      with_row_columns<TaskRun>(
          {column("name", &TaskRun::name), column("run_count", &TaskRun::run_count),
           column("expected_start_time", &TaskRun::expected_start_time),
           column("next_scheduled_start_time", &TaskRun::next_scheduled_start_time),
           column("start_time", &TaskRun::start_time), column("end_time", &TaskRun::end_time),
           column("total_run_time", &TaskRun::total_run_time), column("task_key", &TaskRun::task_key),
           column("dynamic_key", &TaskRun::dynamic_key), column("cache_key", &TaskRun::cache_key),
           column("cache_expiration", &TaskRun::cache_expiration), column("task_version", &TaskRun::task_version),
           column<TaskRun>("empirical_policy", K::kJson,
                           [](const SourceRow& r, std::string_view c, TaskRun& run) {
                             run.empirical_policy = core::task_run_policy_from_json(r.object(c));
                           }),
           column("task_inputs", &TaskRun::task_inputs), column("tags", &TaskRun::tags),
           column("flow_run_id", &TaskRun::flow_run_id), column("flow_run_run_count", &TaskRun::flow_run_run_count),
           column("labels", &TaskRun::labels)}),
      &TaskRunItem::run);
  columns.push_back(column("state_id", &TaskRunItem::state_id));
  return columns;
}

const SourceTable<TaskRunItem> kTaskRuns{
    .table = "task_run",
    .praetor_table = "task_run",
    .columns = task_run_columns(),
    .write_many = write_task_runs,
    .order_by = "id",
    .batch = kRunBatch};

// A row of Prefect's log table, written as a core::log_model() object.
struct Log {
  std::string id;
  core::Timestamp created;
  core::Timestamp updated;
  std::string name;
  int64_t level = 0;
  std::string message;
  core::Timestamp timestamp;
  std::optional<std::string> flow_run_id;
  std::optional<std::string> task_run_id;
};

json::value optional_text(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(); }

const SourceTable<Log> kLogs{
    .table = "log",
    .praetor_table = "log",
    .columns = with_row_columns<Log>({column("name", &Log::name), column("level", &Log::level),
                                      column("flow_run_id", &Log::flow_run_id),
                                      column("task_run_id", &Log::task_run_id), column("message", &Log::message),
                                      column("timestamp", &Log::timestamp)}),
    .write_many = [](store::Connection& c, const std::vector<const Log*>& logs) {
      std::vector<json::object> rows;
      rows.reserve(logs.size());
      for (const Log* log : logs) {
        rows.push_back(json::object{{"id", log->id},
                                    {"created", core::format_timestamp(log->created)},
                                    {"updated", core::format_timestamp(log->updated)},
                                    {"name", log->name},
                                    {"level", log->level},
                                    {"message", log->message},
                                    {"timestamp", core::format_timestamp(log->timestamp)},
                                    {"flow_run_id", optional_text(log->flow_run_id)},
                                    {"task_run_id", optional_text(log->task_run_id)},
                                    {"worker_id", nullptr}});
      }
      store::model_rows::insert_many(c, core::log_model(), rows);
      return std::vector<RowOutcome>(logs.size(), RowOutcome::copied());
    },
    .order_by = "timestamp, id",
    .batch = kLogBatch};

}  // namespace

core::Result<TableOutcome> import_flow_runs(PrefectSource& source, store::Database& db) {
  return import_runs_with_states(source, db, kFlowRuns, "flow_run_state", "flow_run_id");
}

core::Result<TableOutcome> import_task_runs(PrefectSource& source, store::Database& db) {
  return import_runs_with_states(source, db, kTaskRuns, "task_run_state", "task_run_id");
}

core::Result<TableOutcome> import_logs(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kLogs);
}

}  // namespace praetor::importer
