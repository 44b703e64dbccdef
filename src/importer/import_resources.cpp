// The import's steps for flows, work pools and queues, variables, concurrency limits and
// deployments with their schedules (import_steps.h).
#include <set>

#include "core/uuid.h"
#include "core/variable.h"
#include "importer/import_steps.h"
#include "store/concurrency_repository.h"
#include "store/deployment_repository.h"
#include "store/flow_repository.h"
#include "store/model_table.h"
#include "store/tag_concurrency_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::importer {

namespace json = boost::json;
using K = ColumnKind;

namespace {

constexpr size_t kBatch = 500;

// Reads every row of `table` as T through `convert`, ordered by `order_by`.
template <class T>
std::vector<T> read_all(PrefectSource& source, const std::string& table, const std::vector<SourceColumn>& columns,
                        const std::string& order_by, const std::function<T(const SourceRow&)>& convert) {
  std::vector<T> out;
  auto cursor = source.select(table, columns, order_by);
  while (auto row = cursor->next()) out.push_back(convert(*row));
  return out;
}

TableOutcome outcome_for(PrefectSource& source, const std::string& table) {
  TableOutcome out;
  out.table = table;
  out.in_prefect = source.count(table);
  return out;
}

}  // namespace

bool row_exists(store::Connection& c, const std::string& table, const std::string& id) {
  auto& st = c.prepare("SELECT 1 FROM " + table + " WHERE id = ?1");
  st.bind(1, id);
  bool found = st.step();
  st.reset();
  return found;
}

core::Result<TableOutcome> import_flows(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"tags", K::kJson}, {"labels", K::kJson}};
  TableOutcome out = outcome_for(source, "flow");
  auto flows = read_all<core::Flow>(source, "flow", kColumns, "created, id", [](const SourceRow& r) {
    return core::Flow{r.text_or_empty("id"), r.time_or_epoch("created"), r.time_or_epoch("updated"),
                      r.text_or_empty("name"), r.strings("tags"), r.object("labels")};
  });
  auto st = write_in_batches<core::Flow>(db, flows, kBatch, out, [](store::Connection& c, const core::Flow& f) {
    if (row_exists(c, "flow", f.id)) return RowOutcome::already_there();
    if (!store::flows::get_or_create(c, f).created) {
      return RowOutcome::not_copied("flow " + f.name + " (" + f.id + "): Praetor has a flow of that name with another id");
    }
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_work_pools(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"},          {"created", K::kTimestamp}, {"updated", K::kTimestamp},       {"name"},
      {"description"}, {"type"},                   {"base_job_template", K::kJson},  {"is_paused", K::kBool},
      {"concurrency_limit", K::kNumber}, {"default_queue_id"}, {"status"},           {"storage_configuration", K::kJson}};
  TableOutcome out = outcome_for(source, "work_pool");
  auto pools = read_all<core::WorkPool>(source, "work_pool", kColumns, "created, id", [](const SourceRow& r) {
    core::WorkPool p;
    p.id = r.text_or_empty("id");
    p.created = r.time_or_epoch("created");
    p.updated = r.time_or_epoch("updated");
    p.name = r.text_or_empty("name");
    p.description = r.text("description");
    p.type = r.text_or_empty("type");
    p.base_job_template = r.object("base_job_template");
    p.is_paused = r.flag("is_paused");
    p.concurrency_limit = r.integer("concurrency_limit");
    p.default_queue_id = r.text("default_queue_id");
    p.status = r.text("status").value_or("NOT_READY");
    p.storage_configuration = r.object("storage_configuration");
    return p;
  });
  auto st = write_in_batches<core::WorkPool>(db, pools, kBatch, out, [](store::Connection& c, const core::WorkPool& p) {
    if (row_exists(c, "work_pool", p.id)) return RowOutcome::already_there();
    // Praetor creates a pool with its default queue; Prefect's default queue keeps its id
    // (the queue step then brings its name, priority and settings).
    if (!store::work_pools::create(c, p, p.default_queue_id.value_or(core::new_uuid4()))) {
      return RowOutcome::not_copied("work pool " + p.name + " (" + p.id +
                                    "): Praetor has a work pool of that name with another id");
    }
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_work_queues(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"description"},
      {"is_paused", K::kBool}, {"concurrency_limit", K::kNumber}, {"last_polled", K::kTimestamp},
      {"priority", K::kNumber}, {"work_pool_id"}, {"status"}};
  TableOutcome out = outcome_for(source, "work_queue");
  auto queues = read_all<core::WorkQueue>(source, "work_queue", kColumns, "work_pool_id, priority, id",
                                          [](const SourceRow& r) {
    core::WorkQueue q;
    q.id = r.text_or_empty("id");
    q.created = r.time_or_epoch("created");
    q.updated = r.time_or_epoch("updated");
    q.name = r.text_or_empty("name");
    q.description = r.text_or_empty("description");
    q.is_paused = r.flag("is_paused");
    q.concurrency_limit = r.integer("concurrency_limit");
    q.last_polled = r.time("last_polled");
    q.priority = r.integer("priority").value_or(1);
    q.work_pool_id = r.text_or_empty("work_pool_id");
    q.status = r.text("status").value_or("NOT_READY");
    return q;
  });
  auto st = write_in_batches<core::WorkQueue>(db, queues, kBatch, out, [](store::Connection& c, const core::WorkQueue& q) {
    if (auto existing = store::work_pools::read_queue(c, q.id)) {
      // A pool's default queue is created with its pool (dated as the pool): it takes
      // Prefect's dates and settings here. A queue imported before already has them.
      bool fresh_default = existing->created != q.created;
      store::work_pools::QueueUpdate u;
      if (existing->name != q.name) u.name = q.name;
      if (existing->description != q.description) u.description = q.description;
      if (existing->is_paused != q.is_paused) u.is_paused = q.is_paused;
      if (existing->concurrency_limit != q.concurrency_limit) {
        u.concurrency_limit_set = true;
        u.concurrency_limit = q.concurrency_limit;
      }
      if (existing->priority != q.priority) u.priority = q.priority;
      if (!fresh_default && !u.name && !u.description && !u.is_paused && !u.concurrency_limit_set && !u.priority) {
        return RowOutcome::already_there();
      }
      store::work_pools::update_queue(c, q.id, u, q.updated);
      c.prepare("UPDATE work_queue SET created = ?2, updated = ?3 WHERE id = ?1")
          .bind(1, q.id)
          .bind(2, core::to_micros(q.created))
          .bind(3, core::to_micros(q.updated))
          .run();
      return RowOutcome::copied();
    }
    if (!row_exists(c, "work_pool", q.work_pool_id)) {
      return RowOutcome::not_copied("work queue " + q.name + " (" + q.id + "): its work pool was not imported");
    }
    if (!store::work_pools::create_queue(c, q, true)) {
      return RowOutcome::not_copied("work queue " + q.name + " (" + q.id +
                                    "): its pool has a queue of that name with another id");
    }
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_variables(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"tags", K::kJson}, {"value", K::kJson}};
  TableOutcome out = outcome_for(source, "variable");
  auto variables = read_all<json::object>(source, "variable", kColumns, "created, id", [](const SourceRow& r) {
    json::array tags;
    for (auto& t : r.strings("tags")) tags.emplace_back(t);
    return json::object{{"id", r.text_or_empty("id")},
                        {"created", core::format_timestamp(r.time_or_epoch("created"))},
                        {"updated", core::format_timestamp(r.time_or_epoch("updated"))},
                        {"name", r.text_or_empty("name")},
                        {"value", r.json("value")},
                        {"tags", std::move(tags)}};
  });
  auto st = write_in_batches<json::object>(db, variables, kBatch, out, [](store::Connection& c, const json::object& v) {
    const auto& model = core::variable_model();
    std::string id(v.at("id").as_string()), name(v.at("name").as_string());
    if (row_exists(c, "variable", id)) return RowOutcome::already_there();
    if (store::model_rows::find(c, model, "name", name)) {
      return RowOutcome::not_copied("variable " + name + " (" + id + "): Praetor has a variable of that name");
    }
    store::model_rows::insert(c, model, v);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

namespace {
const std::vector<SourceColumn> kLimitColumns = {
    {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"active", K::kBool}, {"name"},
    {"limit", K::kNumber}, {"active_slots", K::kNumber}, {"denied_slots", K::kNumber},
    {"slot_decay_per_second", K::kNumber}, {"avg_slot_occupancy_seconds", K::kNumber}};

RowOutcome write_limit(store::Connection& c, const store::concurrency::Limit& l) {
  if (row_exists(c, "concurrency_limit_v2", l.id)) return RowOutcome::already_there();
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
}  // namespace

core::Result<TableOutcome> import_global_limits(PrefectSource& source, store::Database& db) {
  TableOutcome out = outcome_for(source, "concurrency_limit_v2");
  auto limits = read_all<store::concurrency::Limit>(
      source, "concurrency_limit_v2", kLimitColumns, "created, id", [](const SourceRow& r) {
        store::concurrency::Limit l;
        l.id = r.text_or_empty("id");
        l.created = r.time_or_epoch("created");
        l.updated = r.time_or_epoch("updated");
        l.active = r.flag("active");
        l.name = r.text_or_empty("name");
        l.limit = r.integer("limit").value_or(0);
        l.active_slots = r.integer("active_slots").value_or(0);
        l.denied_slots = r.integer("denied_slots").value_or(0);
        l.slot_decay_per_second = r.number("slot_decay_per_second");
        l.avg_slot_occupancy_seconds = r.number("avg_slot_occupancy_seconds");
        return l;
      });
  auto st = write_in_batches<store::concurrency::Limit>(db, limits, kBatch, out, write_limit);
  if (!st) return st.error();
  return out;
}

// Prefect 3.9.1 keeps tag limits as global limits named "tag:<tag>" (imported above); rows
// of the older concurrency_limit table whose tag has no such limit become one, as Praetor
// stores every tag limit.
core::Result<TableOutcome> import_tag_limits(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"tag"}, {"concurrency_limit", K::kNumber}};
  TableOutcome out = outcome_for(source, "concurrency_limit");
  std::set<std::string> v2_names;
  {
    static const std::vector<SourceColumn> kName = {{"name"}};
    auto cursor = source.select("concurrency_limit_v2", kName, "");
    while (auto row = cursor->next()) v2_names.insert(row->text_or_empty("name"));
  }
  std::vector<store::concurrency::Limit> limits;
  auto cursor = source.select("concurrency_limit", kColumns, "created, id");
  while (auto r = cursor->next()) {
    store::concurrency::Limit l;
    l.id = r->text_or_empty("id");
    l.created = r->time_or_epoch("created");
    l.updated = r->time_or_epoch("updated");
    l.name = store::concurrency::tag_limit_name(r->text_or_empty("tag"));
    l.limit = r->integer("concurrency_limit").value_or(0);
    if (v2_names.count(l.name)) {
      ++out.already_there;  // Prefect's own global limit for the tag was copied instead
      continue;
    }
    limits.push_back(std::move(l));
  }
  auto st = write_in_batches<store::concurrency::Limit>(db, limits, kBatch, out, write_limit);
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_deployments(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"tags", K::kJson},
      {"parameters", K::kJson}, {"flow_id"}, {"description"}, {"infrastructure_document_id"},
      {"parameter_openapi_schema", K::kJson}, {"storage_document_id"}, {"version"}, {"infra_overrides", K::kJson},
      {"path"}, {"entrypoint"}, {"work_queue_name"}, {"created_by", K::kJson}, {"updated_by", K::kJson},
      {"work_queue_id"}, {"pull_steps", K::kJson}, {"enforce_parameter_schema", K::kBool},
      {"last_polled", K::kTimestamp}, {"paused", K::kBool}, {"status"}, {"concurrency_limit", K::kNumber},
      {"concurrency_options", K::kJson}, {"concurrency_limit_id"}, {"labels", K::kJson}};
  TableOutcome out = outcome_for(source, "deployment");
  auto deployments = read_all<core::Deployment>(source, "deployment", kColumns, "created, id", [](const SourceRow& r) {
    core::Deployment d;
    d.id = r.text_or_empty("id");
    d.created = r.time_or_epoch("created");
    d.updated = r.time_or_epoch("updated");
    d.name = r.text_or_empty("name");
    d.tags = r.strings("tags");
    d.parameters = r.object("parameters");
    d.flow_id = r.text_or_empty("flow_id");
    d.description = r.text("description");
    d.infrastructure_document_id = r.text("infrastructure_document_id");
    d.parameter_openapi_schema = r.json("parameter_openapi_schema");
    d.storage_document_id = r.text("storage_document_id");
    d.version = r.text("version");
    d.job_variables = r.object("infra_overrides");
    d.path = r.text("path");
    d.entrypoint = r.text("entrypoint");
    d.work_queue_name = r.text("work_queue_name");
    d.created_by = r.json("created_by");
    d.updated_by = r.json("updated_by");
    d.work_queue_id = r.text("work_queue_id");
    d.pull_steps = r.json("pull_steps");
    d.enforce_parameter_schema = r.flag("enforce_parameter_schema");
    d.last_polled = r.time("last_polled");
    d.paused = r.flag("paused");
    d.status = r.text("status").value_or("NOT_READY");
    d.concurrency_limit = r.integer("concurrency_limit");
    d.concurrency_options = r.json("concurrency_options");
    d.concurrency_limit_id = r.text("concurrency_limit_id");
    d.labels = r.object("labels");
    return d;
  });
  auto st = write_in_batches<core::Deployment>(db, deployments, kBatch, out, [](store::Connection& c, const core::Deployment& d) {
    if (row_exists(c, "deployment", d.id)) return RowOutcome::already_there();
    if (!row_exists(c, "flow", d.flow_id)) {
      return RowOutcome::not_copied("deployment " + d.name + " (" + d.id + "): its flow was not imported");
    }
    if (store::deployments::read_by_flow_and_name(c, d.flow_id, d.name)) {
      return RowOutcome::not_copied("deployment " + d.name + " (" + d.id +
                                    "): Praetor has a deployment of that name for the flow");
    }
    store::deployments::insert(c, d);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_deployment_schedules(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"schedule", K::kJson}, {"active", K::kBool},
      {"deployment_id"}, {"max_scheduled_runs", K::kNumber}, {"parameters", K::kJson}, {"slug"}};
  TableOutcome out = outcome_for(source, "deployment_schedule");
  auto schedules = read_all<core::DeploymentSchedule>(
      source, "deployment_schedule", kColumns, "created, id", [](const SourceRow& r) {
        core::DeploymentSchedule s;
        s.id = r.text_or_empty("id");
        s.created = r.time_or_epoch("created");
        s.updated = r.time_or_epoch("updated");
        s.deployment_id = r.text_or_empty("deployment_id");
        s.schedule = r.json("schedule");
        s.active = r.flag("active");
        s.max_scheduled_runs = r.integer("max_scheduled_runs");
        s.parameters = r.object("parameters");
        s.slug = r.text("slug");
        return s;
      });
  auto st = write_in_batches<core::DeploymentSchedule>(
      db, schedules, kBatch, out, [](store::Connection& c, const core::DeploymentSchedule& s) {
        if (row_exists(c, "deployment_schedule", s.id)) return RowOutcome::already_there();
        if (!row_exists(c, "deployment", s.deployment_id)) {
          return RowOutcome::not_copied("schedule " + s.id + ": its deployment was not imported");
        }
        store::deployments::insert_schedule(c, s);
        return RowOutcome::copied();
      });
  if (!st) return st.error();
  return out;
}

}  // namespace praetor::importer
