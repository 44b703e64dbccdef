#include "importer/importer.h"

#include <algorithm>
#include <map>

#include "importer/import_steps.h"

namespace praetor::importer {

namespace {

struct Step {
  std::function<core::Result<TableOutcome>(PrefectSource&, store::Database&)> run;
  const char* praetor_count;  // the rows of Praetor's that correspond, counted afterwards
};

// In dependency order: what a row points at is copied before it.
std::vector<Step> steps(const store::BlockCipher& cipher, const ImportOptions& options) {
  std::vector<Step> out = {
    {import_flows, "SELECT count(*) FROM flow"},
    {import_work_pools, "SELECT count(*) FROM work_pool"},
    {import_work_queues, "SELECT count(*) FROM work_queue"},
    {import_variables, "SELECT count(*) FROM variable"},
    {import_global_limits, "SELECT count(*) FROM concurrency_limit_v2"},
    {import_tag_limits, "SELECT count(*) FROM concurrency_limit_v2 WHERE name LIKE 'tag:%'"},
    {import_deployments, "SELECT count(*) FROM deployment"},
    {import_deployment_schedules, "SELECT count(*) FROM deployment_schedule"},
    {import_flow_runs, "SELECT count(*) FROM flow_run"},
    {import_task_runs, "SELECT count(*) FROM task_run"},
    {import_logs, "SELECT count(*) FROM log"},
    {import_flow_run_inputs, "SELECT count(*) FROM flow_run_input"},
    {import_artifacts, "SELECT count(*) FROM artifact"},
    {import_artifact_collections, "SELECT count(*) FROM artifact_collection"},
    {import_saved_searches, "SELECT count(*) FROM saved_search"},
    {import_block_types, "SELECT count(*) FROM block_type"},
    {import_block_schemas, "SELECT count(*) FROM block_schema"},
    {[&cipher](PrefectSource& s, store::Database& db) { return import_block_documents(s, db, &cipher); },
     "SELECT count(*) FROM block_document"},
    {import_block_document_references, "SELECT count(*) FROM block_document_reference"},
    {import_automations, "SELECT count(*) FROM automation"},
  };
  if (options.events) out.push_back({import_events, "SELECT count(*) FROM event"});
  return out;
}

// Prefect tables whose rows the steps above copy along with their run or resource.
const std::vector<std::string> kCopiedAlong = {"flow_run_state", "task_run_state", "automation_related_resource"};

// Prefect tables not copied, and why. A table missing here and from the steps is reported
// as not imported (never dropped without a word).
const std::map<std::string, std::string> kNotCopied = {
    {"alembic_version", "Prefect's migration bookkeeping"},
    {"block_schema_reference", "copied into the schemas' fields (block_schema_references and definitions), where "
                               "Praetor keeps them"},
    {"csrf_token", "short-lived tokens; clients fetch new ones"},
    {"configuration", "server bookkeeping (Praetor keeps its own; the block encryption key is read from it)"},
    {"agent", "agents are gone from Prefect 3"},
    {"deployment_version", "Praetor keeps no history of deployment versions (Prefect's open-source server creates "
                           "this table but never writes it; a deployment's own version is copied with it)"},
    {"worker", "workers announce themselves again with their next heartbeat"},
    {"task_run_state_cache", "a cache of task-run states, rebuilt as runs proceed"},
    {"events", "copied only when asked (--events)"},
    {"automation_bucket", "the trigger engine's state: Praetor's starts afresh from the events that arrive"},
    {"automation_held_event", "the trigger engine's state: Praetor's starts afresh from the events that arrive"},
    {"automation_event_follower", "the trigger engine's state: Praetor's starts afresh from the events that arrive"},
    {"composite_trigger_child_firing", "the trigger engine's state: Praetor's starts afresh from the events that arrive"},
    {"event_resources", "derived from the events (copied with --events)"},
};

int64_t praetor_count(store::Database& db, const std::string& sql) {
  auto n = db.read<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
    auto& st = c.prepare(sql);
    st.step();
    int64_t count = st.column_int(0);
    st.reset();
    return count;
  });
  return n ? *n : -1;
}

// The progress callback of the import running on this thread (steps report through
// report_progress without carrying it in every signature).
thread_local const ImportProgress* current_progress = nullptr;

class ProgressScope {
 public:
  explicit ProgressScope(const ImportProgress& progress) { current_progress = progress ? &progress : nullptr; }
  ~ProgressScope() { current_progress = nullptr; }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;
};

}  // namespace

void report_progress(const TableOutcome& so_far) {
  if (current_progress) (*current_progress)(so_far, false);
}

core::Result<ImportReport> import_prefect_database(PrefectSource& source, store::Database& target,
                                                   const store::BlockCipher& cipher, const ImportOptions& options,
                                                   const ImportProgress& progress) {
  ImportReport report;
  ProgressScope scope(progress);
  std::vector<std::string> handled = kCopiedAlong;
  if (options.events) handled.push_back("event_resources");
  for (const auto& step : steps(cipher, options)) {
    auto outcome = step.run(source, target);
    if (!outcome) return outcome.error();
    outcome->in_praetor = praetor_count(target, step.praetor_count);
    handled.push_back(outcome->table);
    if (progress) progress(*outcome, true);
    report.tables.push_back(std::move(*outcome));
  }
  for (const auto& table : source.tables()) {
    if (std::find(handled.begin(), handled.end(), table) != handled.end()) continue;
    int64_t rows = source.count(table);
    auto known = kNotCopied.find(table);
    if (known != kNotCopied.end()) {
      if (rows > 0) report.skipped.push_back({table, rows, known->second});
      continue;
    }
    if (rows > 0) report.skipped.push_back({table, rows, "not imported yet by this praetor"});
  }
  return report;
}

}  // namespace praetor::importer
