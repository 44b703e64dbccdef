#include "store/deployment_repository.h"

#include "core/uuid.h"
#include "store/concurrency_repository.h"
#include "store/flow_repository.h"

namespace praetor::store::deployments {

namespace json = boost::json;
using core::Timestamp;

namespace {

constexpr const char* kColumns =
    "deployment.id, deployment.created, deployment.updated, deployment.name, deployment.version, "
    "deployment.description, deployment.flow_id, deployment.paused, deployment.concurrency_limit, "
    "deployment.concurrency_options, deployment.job_variables, deployment.parameters, deployment.pull_steps, "
    "deployment.tags, deployment.labels, deployment.work_queue_name, deployment.work_queue_id, "
    "deployment.last_polled, deployment.status, deployment.parameter_openapi_schema, deployment.path, "
    "deployment.entrypoint, deployment.storage_document_id, deployment.infrastructure_document_id, "
    "deployment.created_by, deployment.updated_by, deployment.enforce_parameter_schema, deployment.version_info, "
    "deployment.concurrency_limit_id, "
    "(SELECT work_pool.name FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
    "WHERE work_queue.id = deployment.work_queue_id)";

constexpr const char* kScheduleColumns =
    "id, created, updated, deployment_id, schedule, active, max_scheduled_runs, parameters, slug";

json::value value_from_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return nullptr;
  return v;
}

std::optional<std::string> text_or_null(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return json::serialize(v);
}

core::Deployment from_row(Statement& st) {
  core::Deployment d;
  d.id = st.column_text(0);
  d.created = core::from_micros(st.column_int(1));
  d.updated = core::from_micros(st.column_int(2));
  d.name = st.column_text(3);
  d.version = st.column_optional_text(4);
  d.description = st.column_optional_text(5);
  d.flow_id = st.column_text(6);
  d.paused = st.column_int(7) != 0;
  d.concurrency_limit = st.column_optional_int(8);
  d.concurrency_options = value_from_text(st.column_optional_text(9));
  d.job_variables = flows::object_from_text(st.column_text(10));
  d.parameters = flows::object_from_text(st.column_text(11));
  d.pull_steps = value_from_text(st.column_optional_text(12));
  d.tags = flows::tags_from_text(st.column_text(13));
  d.labels = flows::object_from_text(st.column_text(14));
  d.work_queue_name = st.column_optional_text(15);
  d.work_queue_id = st.column_optional_text(16);
  if (auto t = st.column_optional_int(17)) d.last_polled = core::from_micros(*t);
  d.status = st.column_text(18);
  d.parameter_openapi_schema = value_from_text(st.column_optional_text(19));
  d.path = st.column_optional_text(20);
  d.entrypoint = st.column_optional_text(21);
  d.storage_document_id = st.column_optional_text(22);
  d.infrastructure_document_id = st.column_optional_text(23);
  d.created_by = value_from_text(st.column_optional_text(24));
  d.updated_by = value_from_text(st.column_optional_text(25));
  d.enforce_parameter_schema = st.column_int(26) != 0;
  d.version_info = value_from_text(st.column_optional_text(27));
  d.concurrency_limit_id = st.column_optional_text(28);
  d.work_pool_name = st.column_optional_text(29);
  return d;
}

core::DeploymentSchedule schedule_from_row(Statement& st, int first = 0) {
  core::DeploymentSchedule s;
  s.id = st.column_text(first + 0);
  s.created = core::from_micros(st.column_int(first + 1));
  s.updated = core::from_micros(st.column_int(first + 2));
  s.deployment_id = st.column_text(first + 3);
  s.schedule = value_from_text(st.column_text(first + 4));
  s.active = st.column_int(first + 5) != 0;
  s.max_scheduled_runs = st.column_optional_int(first + 6);
  s.parameters = flows::object_from_text(st.column_text(first + 7));
  s.slug = st.column_optional_text(first + 8);
  return s;
}

// The linked concurrency_limit_v2 row, its active_slots as stored (as upstream answers it).
std::optional<core::DeploymentConcurrencyLimit> read_limit(Connection& c, const std::string& id) {
  auto stored = concurrency::read_stored(c, id);
  if (!stored) return std::nullopt;
  core::DeploymentConcurrencyLimit l;
  l.id = std::move(stored->id);
  l.created = stored->created;
  l.updated = stored->updated;
  l.active = stored->active;
  l.name = std::move(stored->name);
  l.limit = stored->limit;
  l.active_slots = stored->active_slots;
  l.slot_decay_per_second = stored->slot_decay_per_second;
  return l;
}

std::vector<core::Deployment> read_many(Connection& c, Statement& st) {
  std::vector<core::Deployment> out;
  while (st.step()) out.push_back(from_row(st));
  st.reset();
  for (auto& d : out) {
    d.schedules = read_schedules(c, d.id);
    if (d.concurrency_limit_id) d.global_concurrency_limit = read_limit(c, *d.concurrency_limit_id);
  }
  return out;
}

std::optional<core::Deployment> first(std::vector<core::Deployment> v) {
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

// Binds every column of `d` in kColumns order (1..29).
void bind_row(Statement& st, const core::Deployment& d) {
  st.bind(1, d.id)
      .bind(2, core::to_micros(d.created))
      .bind(3, core::to_micros(d.updated))
      .bind(4, d.name)
      .bind(5, d.version)
      .bind(6, d.description)
      .bind(7, d.flow_id)
      .bind(8, d.paused)
      .bind(9, d.concurrency_limit)
      .bind(10, text_or_null(d.concurrency_options))
      .bind(11, json::serialize(d.job_variables))
      .bind(12, json::serialize(d.parameters))
      .bind(13, text_or_null(d.pull_steps))
      .bind(14, flows::tags_to_text(d.tags))
      .bind(15, json::serialize(d.labels))
      .bind(16, d.work_queue_name)
      .bind(17, d.work_queue_id);
  if (d.last_polled) st.bind(18, core::to_micros(*d.last_polled)); else st.bind(18, nullptr);
  st.bind(19, d.status)
      .bind(20, text_or_null(d.parameter_openapi_schema))
      .bind(21, d.path)
      .bind(22, d.entrypoint)
      .bind(23, d.storage_document_id)
      .bind(24, d.infrastructure_document_id)
      .bind(25, text_or_null(d.created_by))
      .bind(26, text_or_null(d.updated_by))
      .bind(27, d.enforce_parameter_schema)
      .bind(28, text_or_null(d.version_info))
      .bind(29, d.concurrency_limit_id);
}

}  // namespace

std::optional<core::Deployment> read_by_flow_and_name(Connection& c, const std::string& flow_id,
                                                      const std::string& name) {
  auto& st = c.prepare(std::string("SELECT ") + kColumns +
                       " FROM deployment WHERE deployment.flow_id = ?1 AND deployment.name = ?2");
  st.bind(1, flow_id).bind(2, name);
  return first(read_many(c, st));
}

std::optional<core::Deployment> read(Connection& c, const std::string& id) {
  auto& st = c.prepare(std::string("SELECT ") + kColumns + " FROM deployment WHERE deployment.id = ?1");
  st.bind(1, id);
  return first(read_many(c, st));
}

std::optional<core::Deployment> read_by_name(Connection& c, const std::string& flow_name, const std::string& name) {
  auto& st = c.prepare(std::string("SELECT ") + kColumns +
                       " FROM deployment JOIN flow ON flow.id = deployment.flow_id WHERE flow.name = ?1 AND "
                       "deployment.name = ?2");
  st.bind(1, flow_name).bind(2, name);
  return first(read_many(c, st));
}

void insert(Connection& c, const core::Deployment& d) {
  auto& st = c.prepare(
      "INSERT INTO deployment(id, created, updated, name, version, description, flow_id, paused, "
      "concurrency_limit, concurrency_options, job_variables, parameters, pull_steps, tags, labels, "
      "work_queue_name, work_queue_id, last_polled, status, parameter_openapi_schema, path, entrypoint, "
      "storage_document_id, infrastructure_document_id, created_by, updated_by, enforce_parameter_schema, "
      "version_info, concurrency_limit_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)");
  bind_row(st, d);
  st.run();
}

bool replace(Connection& c, const core::Deployment& d) {
  auto& st = c.prepare(
      "UPDATE deployment SET created = ?2, updated = ?3, name = ?4, version = ?5, description = ?6, "
      "flow_id = ?7, paused = ?8, concurrency_limit = ?9, concurrency_options = ?10, job_variables = ?11, "
      "parameters = ?12, pull_steps = ?13, tags = ?14, labels = ?15, work_queue_name = ?16, work_queue_id = ?17, "
      "last_polled = ?18, status = ?19, parameter_openapi_schema = ?20, path = ?21, entrypoint = ?22, "
      "storage_document_id = ?23, infrastructure_document_id = ?24, created_by = ?25, updated_by = ?26, "
      "enforce_parameter_schema = ?27, version_info = ?28, concurrency_limit_id = ?29 WHERE id = ?1");
  bind_row(st, d);
  st.run();
  return c.changes() > 0;
}

void set_concurrency_limit(Connection& c, const std::string& deployment_id, std::optional<int64_t> limit,
                           Timestamp now) {
  auto d = read(c, deployment_id);
  if (!d) return;
  auto& remember = c.prepare("UPDATE deployment SET concurrency_limit = ?2 WHERE id = ?1");
  remember.bind(1, deployment_id).bind(2, limit).run();
  const auto& linked = d->global_concurrency_limit;
  if ((linked && limit && linked->limit == *limit) || (!linked && !limit)) return;
  if (!limit) {
    concurrency::remove(c, linked->id, true);
    return;
  }
  if (linked) {
    concurrency::LimitUpdate update;
    update.limit = *limit;
    concurrency::update(c, linked->id, true, update, now);
    return;
  }
  concurrency::Limit created;
  created.id = core::new_uuid4();
  created.created = created.updated = now;
  created.name = "deployment:" + deployment_id;
  created.limit = *limit;
  concurrency::create(c, created);
  auto& link = c.prepare("UPDATE deployment SET concurrency_limit_id = ?2 WHERE id = ?1");
  link.bind(1, deployment_id).bind(2, created.id).run();
}

std::optional<ConcurrencySettings> read_concurrency_settings(Connection& c, const std::string& deployment_id) {
  auto& st = c.prepare("SELECT concurrency_limit_id, concurrency_options FROM deployment WHERE id = ?1");
  st.bind(1, deployment_id);
  if (!st.step()) return std::nullopt;
  ConcurrencySettings out;
  out.limit_id = st.column_optional_text(0);
  out.options = value_from_text(st.column_optional_text(1));
  st.reset();
  return out;
}

bool remove(Connection& c, const std::string& id) {
  // _delete_related_concurrency_limit: the deployment's limit row goes with it.
  auto settings = read_concurrency_settings(c, id);
  if (settings && settings->limit_id) concurrency::remove(c, *settings->limit_id, true);
  auto& st = c.prepare("DELETE FROM deployment WHERE id = ?1");
  st.bind(1, id).run();
  return c.changes() > 0;
}

std::vector<core::Deployment> list(Connection& c, const SqlCondition& where, const std::string& order_by,
                                   int64_t limit, int64_t offset) {
  auto& st = c.prepare(std::string("SELECT ") + kColumns + " FROM deployment WHERE " + where.sql + " " + order_by +
                       " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  return read_many(c, st);
}

int64_t count(Connection& c, const SqlCondition& where) {
  auto& st = c.prepare("SELECT COUNT(*) FROM deployment WHERE " + where.sql);
  bind_all(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

std::vector<std::string> mark_polled(Connection& c, const std::vector<std::string>& ids, Timestamp now) {
  std::vector<std::string> ready;
  for (const auto& id : ids) {
    for (auto& d : c.prepare("UPDATE deployment SET status = 'READY' WHERE id = ?1 AND status <> 'READY' RETURNING id")
                       .bind(1, id)
                       .first_column_texts())
      ready.push_back(std::move(d));
    c.prepare("UPDATE deployment SET last_polled = ?2 WHERE id = ?1").bind(1, id).bind(2, core::to_micros(now)).run();
  }
  return ready;
}

void delete_scheduled_runs(Connection& c, const std::string& deployment_id, bool auto_scheduled_only,
                           std::optional<Timestamp> future_after) {
  std::string where =
      "deployment_id = ?1 AND state_type = 'SCHEDULED' AND state_name <> 'AwaitingConcurrencySlot' AND "
      "run_count = 0 AND (?2 = 0 OR auto_scheduled = 1) AND (CAST(?3 AS BIGINT) IS NULL OR next_scheduled_start_time > ?3)";
  auto bind = [&](Statement& st) {
    st.bind(1, deployment_id).bind(2, auto_scheduled_only);
    if (future_after) st.bind(3, core::to_micros(*future_after)); else st.bind(3, nullptr);
  };
  auto& states = c.prepare("DELETE FROM flow_run_state WHERE flow_run_id IN (SELECT id FROM flow_run WHERE " +
                           where + ")");
  bind(states);
  states.run();
  auto& runs = c.prepare("DELETE FROM flow_run WHERE " + where);
  bind(runs);
  runs.run();
}

std::vector<core::DeploymentSchedule> read_schedules(Connection& c, const std::string& deployment_id) {
  auto& st = c.prepare(std::string("SELECT ") + kScheduleColumns +
                       " FROM deployment_schedule WHERE deployment_id = ?1 ORDER BY updated DESC, id");
  st.bind(1, deployment_id);
  std::vector<core::DeploymentSchedule> out;
  while (st.step()) out.push_back(schedule_from_row(st));
  st.reset();
  return out;
}

std::optional<core::DeploymentSchedule> read_schedule(Connection& c, const std::string& deployment_id,
                                                      const std::string& schedule_id) {
  auto& st = c.prepare(std::string("SELECT ") + kScheduleColumns +
                       " FROM deployment_schedule WHERE deployment_id = ?1 AND id = ?2");
  st.bind(1, deployment_id).bind(2, schedule_id);
  if (!st.step()) return std::nullopt;
  auto s = schedule_from_row(st);
  st.reset();
  return s;
}

void insert_schedule(Connection& c, const core::DeploymentSchedule& s) {
  auto& st = c.prepare(
      "INSERT INTO deployment_schedule(id, created, updated, deployment_id, schedule, active, "
      "max_scheduled_runs, parameters, slug) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  st.bind(1, s.id)
      .bind(2, core::to_micros(s.created))
      .bind(3, core::to_micros(s.updated))
      .bind(4, s.deployment_id)
      .bind(5, json::serialize(s.schedule))
      .bind(6, s.active)
      .bind(7, s.max_scheduled_runs)
      .bind(8, json::serialize(s.parameters))
      .bind(9, s.slug)
      .run();
}

bool replace_schedule(Connection& c, const core::DeploymentSchedule& s) {
  auto& st = c.prepare(
      "UPDATE deployment_schedule SET schedule = ?2, active = ?3, max_scheduled_runs = ?4, parameters = ?5, "
      "slug = ?6, updated = ?7 WHERE id = ?1");
  st.bind(1, s.id)
      .bind(2, json::serialize(s.schedule))
      .bind(3, s.active)
      .bind(4, s.max_scheduled_runs)
      .bind(5, json::serialize(s.parameters))
      .bind(6, s.slug)
      .bind(7, core::to_micros(s.updated))
      .run();
  return c.changes() > 0;
}

bool remove_schedule(Connection& c, const std::string& deployment_id, const std::string& schedule_id) {
  auto& st = c.prepare("DELETE FROM deployment_schedule WHERE deployment_id = ?1 AND id = ?2");
  st.bind(1, deployment_id).bind(2, schedule_id).run();
  return c.changes() > 0;
}

void remove_schedules(Connection& c, const std::string& deployment_id) {
  c.prepare("DELETE FROM deployment_schedule WHERE deployment_id = ?1").bind(1, deployment_id).run();
}

std::vector<ScheduleWork> schedules_to_run(Connection& c, const std::string& after_id, int64_t limit,
                                           std::optional<Timestamp> updated_since) {
  auto& ids = c.prepare(
      "SELECT deployment.id FROM deployment WHERE deployment.id > ?1 AND deployment.paused = 0 AND "
      "(CAST(?2 AS BIGINT) IS NULL OR deployment.updated >= ?2) AND EXISTS (SELECT 1 FROM deployment_schedule s WHERE "
      "s.deployment_id = deployment.id AND s.active = 1) ORDER BY deployment.id LIMIT ?3");
  ids.bind(1, after_id);
  if (updated_since) ids.bind(2, core::to_micros(*updated_since)); else ids.bind(2, nullptr);
  ids.bind(3, limit);
  std::vector<std::string> deployment_ids;
  while (ids.step()) deployment_ids.push_back(ids.column_text(0));
  ids.reset();
  std::vector<ScheduleWork> out;
  for (const auto& id : deployment_ids) {
    auto d = read(c, id);
    if (!d) continue;
    auto schedules = std::move(d->schedules);
    d->schedules.clear();
    for (auto& s : schedules) {
      if (s.active) out.push_back({*d, std::move(s)});
    }
  }
  return out;
}

ScheduledSummary scheduled_summary(Connection& c, const std::string& deployment_id, const std::string& schedule_id,
                                   Timestamp now) {
  auto& st = c.prepare(
      "SELECT COUNT(*), MAX(next_scheduled_start_time) FROM flow_run WHERE deployment_id = ?1 AND "
      "auto_scheduled = 1 AND state_type = 'SCHEDULED' AND next_scheduled_start_time > ?3 AND "
      "json_extract(created_by, '$.id') = ?2");
  st.bind(1, deployment_id).bind(2, schedule_id).bind(3, core::to_micros(now));
  st.step();
  ScheduledSummary s;
  s.count = st.column_int(0);
  if (auto t = st.column_optional_int(1)) s.latest = core::from_micros(*t);
  st.reset();
  return s;
}

}  // namespace praetor::store::deployments
