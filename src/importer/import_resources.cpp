// The import's steps for work pools and queues, variables, concurrency limits and
// deployments with their schedules (import_steps.h), each a Prefect table described once
// (source_table.h).
#include <set>

#include "core/uuid.h"
#include "core/variable.h"
#include "core/work_queue.h"
#include "importer/import_steps.h"
#include "importer/source_table.h"
#include "store/concurrency_repository.h"
#include "store/deployment_repository.h"
#include "store/tag_concurrency_repository.h"
#include "store/model_table.h"
#include "store/work_pool_repository.h"
#include "store/work_queue_repository.h"

namespace praetor::importer {

using K = ColumnKind;

bool row_exists(store::Connection& c, const std::string& table, const std::string& id) {
  auto& st = c.prepare("SELECT 1 FROM " + table + " WHERE id = ?1");
  st.bind(1, id);
  bool found = st.step();
  st.reset();
  return found;
}

std::set<std::string> rows_present(store::Connection& c, const std::string& table, const std::vector<std::string>& ids) {
  std::set<std::string> out;
  if (ids.empty()) return out;
  // One statement per power-of-two count of ids (the last one repeated to fill it), so a
  // table's lookups share a handful of cached statements whatever the batches hold.
  const std::set<std::string> unique(ids.begin(), ids.end());
  size_t slots = 1;
  while (slots < unique.size()) slots *= 2;
  std::string sql = "SELECT id FROM " + table + " WHERE id IN (";
  for (size_t i = 0; i < slots; ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
  auto& st = c.prepare(sql + ")");
  int index = 0;
  for (const auto& id : unique) st.bind(++index, id);
  while (index < static_cast<int>(slots)) st.bind(++index, *unique.rbegin());
  while (st.step()) out.insert(st.column_text(0));
  st.reset();
  return out;
}

namespace {

using core::WorkPool;
const SourceTable<WorkPool> kWorkPools{
    .table = "work_pool",
    .praetor_table = "work_pool",
    .columns = with_row_columns<WorkPool>(
        {column("name", &WorkPool::name), column("description", &WorkPool::description),
         column("type", &WorkPool::type), column("base_job_template", &WorkPool::base_job_template),
         column("is_paused", &WorkPool::is_paused), column("concurrency_limit", &WorkPool::concurrency_limit),
         column("default_queue_id", &WorkPool::default_queue_id), column("status", &WorkPool::status),
         column("storage_configuration", &WorkPool::storage_configuration)}),
    .write = [](store::Connection& c, const WorkPool& p) {
      // Praetor creates a pool with its default queue; Prefect's default queue keeps its id
      // (the queue step then brings its name, priority and settings).
      if (!store::work_pools::create(c, p, p.default_queue_id.value_or(core::new_uuid4()))) {
        return RowOutcome::not_copied("work pool " + p.name + " (" + p.id +
                                      "): Praetor has a work pool of that name with another id");
      }
      return RowOutcome::copied();
    }};

// Prefect's queue row as a work-queue object (core::work_queue_model()).
boost::json::object queue_object(const core::WorkQueue& q) {
  auto o = core::new_work_queue(q.work_pool_id, q.name, q.created);
  o["id"] = q.id;
  o["updated"] = core::format_timestamp(q.updated);
  o["description"] = q.description;
  o["is_paused"] = q.is_paused;
  o["concurrency_limit"] = q.concurrency_limit ? boost::json::value(*q.concurrency_limit) : boost::json::value();
  o["priority"] = q.priority;
  o["status"] = q.status;
  return o;
}

RowOutcome write_work_queue(store::Connection& c, const core::WorkQueue& q) {
  const auto& model = core::work_queue_model();
  auto imported = queue_object(q);
  if (auto existing = store::model_rows::find(c, model, "id", q.id)) {
    // A pool's default queue is created with its pool (dated as the pool): it takes
    // Prefect's dates and settings here. A queue imported before already has them.
    bool fresh_default = existing->at("created") != imported.at("created");
    bool changed = false;
    for (std::string_view field : {"name", "description", "is_paused", "concurrency_limit", "priority"}) {
      if (existing->at(field) != imported.at(field)) {
        (*existing)[field] = imported.at(field);
        changed = true;
      }
    }
    if (!fresh_default && !changed) return RowOutcome::already_there();
    (*existing)["created"] = imported.at("created");
    (*existing)["updated"] = imported.at("updated");
    store::model_rows::replace(c, model, *existing);
    return RowOutcome::copied();
  }
  if (!row_exists(c, "work_pool", q.work_pool_id)) {
    return RowOutcome::not_copied("work queue " + q.name + " (" + q.id + "): its work pool was not imported");
  }
  if (!store::work_queues::insert(c, imported)) {
    return RowOutcome::not_copied("work queue " + q.name + " (" + q.id +
                                  "): its pool has a queue of that name with another id");
  }
  return RowOutcome::copied();
}

using core::WorkQueue;
const SourceTable<WorkQueue> kWorkQueues{
    .table = "work_queue",
    .columns = with_row_columns<WorkQueue>(
        {column("name", &WorkQueue::name), column("description", &WorkQueue::description),
         column("is_paused", &WorkQueue::is_paused), column("concurrency_limit", &WorkQueue::concurrency_limit),
         column("last_polled", &WorkQueue::last_polled), column("priority", &WorkQueue::priority),
         column("work_pool_id", &WorkQueue::work_pool_id), column("status", &WorkQueue::status)}),
    .write = write_work_queue,
    .order_by = "work_pool_id, priority, id"};

using store::concurrency::Limit;
RowOutcome write_limit(store::Connection& c, const Limit& l) {
  auto& taken = c.prepare("SELECT 1 FROM concurrency_limit_v2 WHERE name = ?1");
  taken.bind(1, l.name);
  bool name_taken = taken.step();
  taken.reset();
  if (name_taken) {
    return RowOutcome::not_copied("concurrency limit " + l.name + " (" + l.id + "): Praetor has a limit of that name");
  }
  store::concurrency::create(c, l);
  return RowOutcome::copied();
}

const SourceTable<Limit> kGlobalLimits{
    .table = "concurrency_limit_v2",
    .praetor_table = "concurrency_limit_v2",
    .columns = with_row_columns<Limit>(
        {column("active", &Limit::active), column("name", &Limit::name), column("limit", &Limit::limit),
         column("active_slots", &Limit::active_slots), column("denied_slots", &Limit::denied_slots),
         column("slot_decay_per_second", &Limit::slot_decay_per_second),
         column("avg_slot_occupancy_seconds", &Limit::avg_slot_occupancy_seconds)}),
    .write = write_limit};

using core::Deployment;
const SourceTable<Deployment> kDeployments{
    .table = "deployment",
    .praetor_table = "deployment",
    .columns = with_row_columns<Deployment>(
        {column("name", &Deployment::name), column("tags", &Deployment::tags),
         column("parameters", &Deployment::parameters), column("flow_id", &Deployment::flow_id),
         column("description", &Deployment::description),
         column("infrastructure_document_id", &Deployment::infrastructure_document_id),
         column("parameter_openapi_schema", &Deployment::parameter_openapi_schema),
         column("storage_document_id", &Deployment::storage_document_id), column("version", &Deployment::version),
         column("infra_overrides", &Deployment::job_variables), column("path", &Deployment::path),
         column("entrypoint", &Deployment::entrypoint), column("work_queue_name", &Deployment::work_queue_name),
         column("created_by", &Deployment::created_by), column("updated_by", &Deployment::updated_by),
         column("work_queue_id", &Deployment::work_queue_id), column("pull_steps", &Deployment::pull_steps),
         column("enforce_parameter_schema", &Deployment::enforce_parameter_schema),
         column("last_polled", &Deployment::last_polled), column("paused", &Deployment::paused),
         column("status", &Deployment::status), column("concurrency_limit", &Deployment::concurrency_limit),
         column("concurrency_options", &Deployment::concurrency_options),
         column("concurrency_limit_id", &Deployment::concurrency_limit_id), column("labels", &Deployment::labels)}),
    .write = [](store::Connection& c, const Deployment& d) {
      if (!row_exists(c, "flow", d.flow_id)) {
        return RowOutcome::not_copied("deployment " + d.name + " (" + d.id + "): its flow was not imported");
      }
      if (store::deployments::read_by_flow_and_name(c, d.flow_id, d.name)) {
        return RowOutcome::not_copied("deployment " + d.name + " (" + d.id +
                                      "): Praetor has a deployment of that name for the flow");
      }
      store::deployments::insert(c, d);
      return RowOutcome::copied();
    }};

using core::DeploymentSchedule;
const SourceTable<DeploymentSchedule> kDeploymentSchedules{
    .table = "deployment_schedule",
    .praetor_table = "deployment_schedule",
    .columns = with_row_columns<DeploymentSchedule>(
        {column("schedule", &DeploymentSchedule::schedule), column("active", &DeploymentSchedule::active),
         column("deployment_id", &DeploymentSchedule::deployment_id),
         column("max_scheduled_runs", &DeploymentSchedule::max_scheduled_runs),
         column("parameters", &DeploymentSchedule::parameters), column("slug", &DeploymentSchedule::slug)}),
    .write = [](store::Connection& c, const DeploymentSchedule& s) {
      if (!row_exists(c, "deployment", s.deployment_id)) {
        return RowOutcome::not_copied("schedule " + s.id + ": its deployment was not imported");
      }
      store::deployments::insert_schedule(c, s);
      return RowOutcome::copied();
    }};

}  // namespace

core::Result<TableOutcome> import_work_pools(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kWorkPools);
}

core::Result<TableOutcome> import_work_queues(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kWorkQueues);
}

core::Result<TableOutcome> import_global_limits(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kGlobalLimits);
}

// Prefect 3.9.1 keeps tag limits as global limits named "tag:<tag>" (imported above); rows
// of the older concurrency_limit table whose tag has no such limit become one, as Praetor
// stores every tag limit.
core::Result<TableOutcome> import_tag_limits(PrefectSource& source, store::Database& db) {
  std::set<std::string> v2_names;
  {
    static const std::vector<SourceColumn> kName = {{"name"}};
    auto cursor = source.select("concurrency_limit_v2", kName, "");
    while (auto row = cursor->next()) v2_names.insert(row->text_or_empty("name"));
  }
  const SourceTable<Limit> tag_limits{
      .table = "concurrency_limit",
      .praetor_table = "concurrency_limit_v2",
      .columns = with_row_columns<Limit>(
          {column<Limit>("tag", K::kText,
                         [](const SourceRow& r, std::string_view c, Limit& l) {
                           l.name = store::concurrency::tag_limit_name(r.text_or_empty(c));
                         }),
           column<Limit>("concurrency_limit", K::kNumber,
                         [](const SourceRow& r, std::string_view c, Limit& l) {
                           l.limit = r.integer(c).value_or(0);
                         })}),
      .write = [&v2_names](store::Connection& c, const Limit& l) {
        // Prefect's own global limit for the tag was copied instead.
        if (v2_names.count(l.name)) return RowOutcome::already_there();
        return write_limit(c, l);
      }};
  return import_table(source, db, tag_limits);
}

core::Result<TableOutcome> import_deployments(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kDeployments);
}

core::Result<TableOutcome> import_deployment_schedules(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kDeploymentSchedules);
}

}  // namespace praetor::importer
