#include "store/flow_run_repository.h"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "core/uuid.h"
#include "store/bulk_insert.h"
#include "store/dialect.h"
#include "store/state_rows.h"
#include "store/flow_repository.h"
#include "store/sql_conditions.h"

namespace praetor::store::flow_runs {

namespace json = boost::json;
using core::FlowRun;
using core::State;
using core::Timestamp;

namespace {

constexpr const char* kRunColumns =
    "id, created, updated, name, flow_id, flow_version, deployment_id, deployment_version, work_queue_name, "
    "work_queue_id, parent_task_run_id, idempotency_key, state_id, state_type, state_name, state_timestamp, "
    "run_count, expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, "
    "auto_scheduled, infrastructure_pid, infrastructure_document_id, parameters, context, empirical_policy, "
    "tags, labels, job_variables, created_by, "
    // The run's work pool, through its queue.
    "(SELECT work_pool.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
    "WHERE work_queue.id = flow_run.work_queue_id), "
    "(SELECT work_pool.name FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
    "WHERE work_queue.id = flow_run.work_queue_id)";

constexpr const char* kStateColumns = "id, type, name, timestamp, message, state_details, data";

std::optional<Timestamp> optional_time(Statement& st, int col) {
  auto v = st.column_optional_int(col);
  if (!v) return std::nullopt;
  return core::from_micros(*v);
}

// Binds a timestamp column as microseconds or NULL.
void bind_time(Statement& st, int index, const std::optional<Timestamp>& t) {
  if (t) {
    st.bind(index, core::to_micros(*t));
  } else {
    st.bind(index, nullptr);
  }
}

json::value value_from_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return nullptr;
  return v;
}

FlowRun run_from_row(Statement& st) {
  FlowRun r;
  r.id = st.column_text(0);
  r.created = core::from_micros(st.column_int(1));
  r.updated = core::from_micros(st.column_int(2));
  r.name = st.column_text(3);
  r.flow_id = st.column_text(4);
  r.flow_version = st.column_optional_text(5);
  r.deployment_id = st.column_optional_text(6);
  r.deployment_version = st.column_optional_text(7);
  r.work_queue_name = st.column_optional_text(8);
  r.work_queue_id = st.column_optional_text(9);
  r.parent_task_run_id = st.column_optional_text(10);
  r.idempotency_key = st.column_optional_text(11);
  r.state_id = st.column_optional_text(12);
  if (auto t = st.column_optional_text(13)) r.state_type = core::parse_state_type(*t);
  r.state_name = st.column_optional_text(14);
  r.state_timestamp = optional_time(st, 15);
  r.run_count = st.column_int(16);
  r.expected_start_time = optional_time(st, 17);
  r.next_scheduled_start_time = optional_time(st, 18);
  r.start_time = optional_time(st, 19);
  r.end_time = optional_time(st, 20);
  r.total_run_time = std::chrono::microseconds(static_cast<int64_t>(st.column_double(21) * 1e6 + 0.5));
  r.auto_scheduled = st.column_int(22) != 0;
  r.infrastructure_pid = st.column_optional_text(23);
  r.infrastructure_document_id = st.column_optional_text(24);
  r.parameters = flows::object_from_text(st.column_text(25));
  r.context = flows::object_from_text(st.column_text(26));
  r.empirical_policy = core::flow_run_policy_from_json(flows::object_from_text(st.column_text(27)));
  r.tags = flows::tags_from_text(st.column_text(28));
  r.labels = flows::object_from_text(st.column_text(29));
  r.job_variables = flows::object_from_text(st.column_text(30));
  r.created_by = value_from_text(st.column_optional_text(31));
  r.work_pool_id = st.column_optional_text(32);
  r.work_pool_name = st.column_optional_text(33);
  return r;
}

State state_from_row(Statement& st) {
  State s;
  s.id = st.column_text(0);
  s.type = core::parse_state_type(st.column_text(1)).value_or(core::StateType::kPending);
  s.name = st.column_text(2);
  s.timestamp = core::from_micros(st.column_int(3));
  s.message = st.column_optional_text(4);
  s.state_details = flows::object_from_text(st.column_text(5));
  s.data = value_from_text(st.column_optional_text(6));
  return s;
}

std::optional<FlowRun> read_where(Connection& c, const std::string& where, const std::string& a,
                                  const std::optional<std::string>& b = std::nullopt) {
  auto& st = c.prepare(std::string("SELECT ") + kRunColumns + " FROM flow_run WHERE " + where);
  st.bind(1, a);
  if (b) st.bind(2, *b);
  if (!st.step()) return std::nullopt;
  FlowRun run = run_from_row(st);
  st.reset();
  if (run.state_id) run.state = read_state(c, *run.state_id);
  return run;
}

void insert_state(Connection& c, const std::string& table, const std::string& run_column,
                  const std::string& run_id, const State& s, Timestamp now) {
  auto& st = c.prepare("INSERT INTO " + table + "(id, " + run_column +
                       ", created, type, name, timestamp, message, state_details, data) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  st.bind(1, s.id)
      .bind(2, run_id)
      .bind(3, core::to_micros(now))
      .bind(4, core::to_string(s.type))
      .bind(5, s.name)
      .bind(6, core::to_micros(s.timestamp))
      .bind(7, s.message)
      .bind(8, json::serialize(s.state_details));
  if (s.data.is_null()) st.bind(9, nullptr); else st.bind(9, json::serialize(s.data));
  st.run();
}

}  // namespace

void lock_for_update(Connection& c, const std::string& id) {
  if (c.dialect() != Dialect::kPostgres) return;
  auto& st = c.prepare(std::string("SELECT id FROM flow_run WHERE id = ?1") + sql::for_update(c.dialect()));
  st.bind(1, id).run();
}

CreateResult create(Connection& c, const FlowRun& run) {
  auto& st = c.prepare(
      "INSERT INTO flow_run(id, created, updated, name, flow_id, flow_version, deployment_id, "
      "work_queue_name, work_queue_id, parent_task_run_id, idempotency_key, auto_scheduled, "
      "infrastructure_document_id, parameters, context, empirical_policy, tags, labels, job_variables, "
      "created_by, deployment_version, parameter_openapi_schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
      "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, NULL) ON CONFLICT(flow_id, idempotency_key) DO NOTHING");
  st.bind(1, run.id)
      .bind(2, core::to_micros(run.created))
      .bind(3, core::to_micros(run.updated))
      .bind(4, run.name)
      .bind(5, run.flow_id)
      .bind(6, run.flow_version)
      .bind(7, run.deployment_id)
      .bind(8, run.work_queue_name)
      .bind(9, run.work_queue_id)
      .bind(10, run.parent_task_run_id)
      .bind(11, run.idempotency_key)
      .bind(12, run.auto_scheduled)
      .bind(13, run.infrastructure_document_id)
      .bind(14, json::serialize(run.parameters))
      .bind(15, json::serialize(run.context))
      .bind(16, json::serialize(core::to_json(run.empirical_policy)))
      .bind(17, flows::tags_to_text(run.tags))
      .bind(18, json::serialize(run.labels))
      .bind(19, json::serialize(run.job_variables));
  if (run.created_by.is_null()) st.bind(20, nullptr); else st.bind(20, json::serialize(run.created_by));
  st.bind(21, run.deployment_version);
  st.run();
  if (c.changes() > 0) return {run, true};
  auto existing = read_where(c, "flow_id = ?1 AND idempotency_key = ?2", run.flow_id, run.idempotency_key);
  return {std::move(*existing), false};
}

std::set<std::string> insert_many(Connection& c, const std::vector<const WithHistory*>& runs) {
  auto micros = [](const std::optional<Timestamp>& t) -> std::optional<int64_t> {
    if (!t) return std::nullopt;
    return core::to_micros(*t);
  };
  BulkInsert rows("flow_run",
                  {"id", "created", "updated", "name", "flow_id", "flow_version", "deployment_id", "deployment_version",
                   "work_queue_name", "work_queue_id", "parent_task_run_id", "idempotency_key", "state_id",
                   "state_type", "state_name", "state_timestamp", "run_count", "expected_start_time",
                   "next_scheduled_start_time", "start_time", "end_time", "total_run_time", "auto_scheduled",
                   "infrastructure_pid", "infrastructure_document_id", "parameters", "context", "empirical_policy",
                   "tags", "labels", "job_variables", "created_by"},
                  " ON CONFLICT DO NOTHING RETURNING id");
  for (const WithHistory* item : runs) {
    const FlowRun& r = item->run;
    std::optional<std::string> state_type;
    if (r.state_type) state_type = core::to_string(*r.state_type);
    rows.add({r.id, core::to_micros(r.created), core::to_micros(r.updated), r.name, r.flow_id, r.flow_version,
              r.deployment_id, r.deployment_version, r.work_queue_name, r.work_queue_id, r.parent_task_run_id,
              r.idempotency_key, r.state_id, state_type, r.state_name, micros(r.state_timestamp), r.run_count,
              micros(r.expected_start_time), micros(r.next_scheduled_start_time), micros(r.start_time),
              micros(r.end_time), core::to_seconds(r.total_run_time), r.auto_scheduled, r.infrastructure_pid,
              r.infrastructure_document_id, json::serialize(r.parameters), json::serialize(r.context),
              json::serialize(core::to_json(r.empirical_policy)), flows::tags_to_text(r.tags),
              json::serialize(r.labels), json::serialize(r.job_variables),
              r.created_by.is_null() ? BulkValue(nullptr) : BulkValue(json::serialize(r.created_by))});
  }
  const std::vector<std::string> returned = rows.run(c);
  std::set<std::string> inserted(returned.begin(), returned.end());
  BulkInsert states = state_rows("flow_run_state", "flow_run_id");
  for (const WithHistory* item : runs) {
    if (!inserted.count(item->run.id)) continue;
    for (const auto& state : item->states) add_state_row(states, item->run.id, state, item->run.updated);
  }
  states.run(c);
  return inserted;
}

std::optional<FlowRun> read(Connection& c, const std::string& id) { return read_where(c, "id = ?1", id); }

bool has_idempotency_key(Connection& c, const std::string& flow_id, const std::string& key) {
  auto& st = c.prepare("SELECT 1 FROM flow_run WHERE flow_id = ?1 AND idempotency_key = ?2");
  st.bind(1, flow_id).bind(2, key);
  bool found = st.step();
  st.reset();
  return found;
}

std::vector<FlowRun> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                          int64_t offset) {
  auto& st = c.prepare(std::string("SELECT ") + kRunColumns + " FROM flow_run WHERE " + where.sql + " " + order_by +
                       " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<FlowRun> out;
  while (st.step()) out.push_back(run_from_row(st));
  st.reset();
  for (auto& run : out) {
    if (run.state_id) run.state = read_state(c, *run.state_id);
  }
  return out;
}

int64_t count(Connection& c, const SqlCondition& where) {
  // Without a WHERE clause SQLite counts the rows of its smallest b-tree without decoding them
  // (4x faster at 1,000,000 runs than evaluating "1=1" for each).
  const bool all = where.sql == sql::always().sql && where.params.empty();
  auto& st = c.prepare(all ? std::string("SELECT COUNT(*) FROM flow_run")
                           : "SELECT COUNT(*) FROM flow_run WHERE " + where.sql);
  bind_all(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

std::optional<SqlCondition> start_order_range(Connection& c, std::optional<int64_t> after,
                                              std::optional<int64_t> before) {
  // Migration 0025's index predicate, word for word (SQLite uses a partial index only for a
  // query whose WHERE clause contains it), and its bound.
  constexpr const char* kOffSchedule =
      "(start_time > expected_start_time + 3600000000 OR start_time < expected_start_time - 3600000000)";
  constexpr int64_t kOffScheduleMicros = 3'600'000'000;
  if (c.dialect() != Dialect::kSqlite || (!after && !before) || (after && before && *after > *before)) {
    return std::nullopt;
  }
  // The off-schedule runs of the window have a start time (a NULL one never compares) and it
  // is their order key.
  std::string query = std::string("SELECT MAX(start_time), MIN(start_time) FROM flow_run WHERE ") + kOffSchedule;
  if (before) query += " AND expected_start_time <= ?";
  if (after) query += " AND expected_start_time >= ?";
  auto& st = c.prepare(query);
  int next = 1;
  if (before) st.bind(next++, *before);
  if (after) st.bind(next, *after);
  st.step();
  const std::optional<int64_t> latest = st.column_optional_int(0);
  const std::optional<int64_t> earliest = st.column_optional_int(1);
  st.reset();
  std::optional<int64_t> high;
  std::optional<int64_t> low;
  if (before) high = std::max(*before + kOffScheduleMicros, latest.value_or(*before));
  if (after) low = std::min(*after - kOffScheduleMicros, earliest.value_or(*after));
  if (high && low) {
    const int64_t outside = (*high - *before) + (*after - *low);
    if (outside > std::max(*before - *after, 2 * kOffScheduleMicros)) return std::nullopt;
  }
  constexpr const char* kKey = "COALESCE(flow_run.start_time, flow_run.expected_start_time)";
  SqlCondition out{"", {}};
  if (high) {
    out.sql = std::string(kKey) + " <= ?";
    out.params.emplace_back(*high);
  }
  if (low) {
    out.sql += std::string(out.sql.empty() ? "" : " AND ") + kKey + " >= ?";
    out.params.emplace_back(*low);
  }
  return out;
}

bool update(Connection& c, const std::string& id, const core::FlowRunUpdate& u, Timestamp now) {
  auto& st = c.prepare(
      "UPDATE flow_run SET name = COALESCE(?2, name), flow_version = COALESCE(?3, flow_version), "
      "parameters = COALESCE(?4, parameters), empirical_policy = COALESCE(?5, empirical_policy), "
      "tags = COALESCE(?6, tags), infrastructure_pid = COALESCE(?7, infrastructure_pid), "
      "job_variables = COALESCE(?8, job_variables), updated = ?9 WHERE id = ?1");
  st.bind(1, id).bind(2, u.name).bind(3, u.flow_version);
  if (u.parameters) st.bind(4, json::serialize(*u.parameters)); else st.bind(4, nullptr);
  if (u.empirical_policy) st.bind(5, json::serialize(core::to_json(*u.empirical_policy))); else st.bind(5, nullptr);
  if (u.tags) st.bind(6, flows::tags_to_text(*u.tags)); else st.bind(6, nullptr);
  st.bind(7, u.infrastructure_pid);
  if (u.job_variables) st.bind(8, json::serialize(*u.job_variables)); else st.bind(8, nullptr);
  st.bind(9, core::to_micros(now)).run();
  return c.changes() > 0;
}

bool patch_labels(Connection& c, const std::string& id, const json::object& labels, Timestamp now) {
  auto& sel = c.prepare("SELECT labels FROM flow_run WHERE id = ?1");
  sel.bind(1, id);
  if (!sel.step()) return false;
  json::object merged = flows::object_from_text(sel.column_text(0));
  sel.reset();
  for (const auto& kv : labels) merged[kv.key()] = kv.value();
  auto& st = c.prepare("UPDATE flow_run SET labels = ?2, updated = ?3 WHERE id = ?1");
  st.bind(1, id).bind(2, json::serialize(merged)).bind(3, core::to_micros(now)).run();
  return c.changes() > 0;
}

bool remove(Connection& c, const std::string& id) { return !remove_many(c, {id}).empty(); }

std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids) {
  std::vector<std::string> existing;
  if (ids.empty()) return existing;
  // Every statement binds the ids as one JSON list (?1), expanded by json_each.
  const std::string list = sql::json_list(ids);
  const std::string among = " IN (SELECT value FROM json_each(?1))";
  auto& select = c.prepare("SELECT id FROM flow_run WHERE id" + among);
  select.bind(1, list);
  std::set<std::string> found;
  while (select.step()) found.insert(select.column_text(0));
  for (const auto& id : ids) {
    if (found.count(id)) existing.push_back(id);
  }
  if (existing.empty()) return existing;
  for (const std::string& statement :
       {"DELETE FROM task_run_state WHERE task_run_id IN (SELECT id FROM task_run WHERE flow_run_id" + among + ")",
        "DELETE FROM task_run WHERE flow_run_id" + among, "DELETE FROM log WHERE flow_run_id" + among,
        "DELETE FROM flow_run_state WHERE flow_run_id" + among, "DELETE FROM flow_run WHERE id" + among}) {
    c.prepare(statement).bind(1, list).run();
  }
  return existing;
}

void write_bookkeeping(Connection& c, const FlowRun& before, const FlowRun& run, Timestamp now) {
  // Indexed columns are set only when their value changed: SQLite rewrites the entries of
  // every index on a column named in SET, changed or not, and on the hot path (each state
  // change of each run) those rewrites were most of the UPDATE's cost.
  std::string sql =
      "UPDATE flow_run SET state_id = ?2, state_name = ?3, state_timestamp = ?4, run_count = ?5, "
      "total_run_time = ?6, empirical_policy = ?7, updated = ?8";
  int next = 9;
  std::vector<std::pair<int, std::function<void(Statement&, int)>>> indexed;
  auto set_if = [&](bool changed, const char* column, std::function<void(Statement&, int)> bind) {
    if (!changed) return;
    sql += std::string(", ") + column + " = ?" + std::to_string(next);
    indexed.emplace_back(next++, std::move(bind));
  };
  set_if(before.state_type != run.state_type, "state_type", [&](Statement& st, int i) {
    if (run.state_type) st.bind(i, core::to_string(*run.state_type)); else st.bind(i, nullptr);
  });
  auto set_time_if = [&](const char* column, const std::optional<Timestamp>& old_value,
                         const std::optional<Timestamp>& value) {
    set_if(old_value != value, column, [&value](Statement& st, int i) { bind_time(st, i, value); });
  };
  set_time_if("expected_start_time", before.expected_start_time, run.expected_start_time);
  set_time_if("next_scheduled_start_time", before.next_scheduled_start_time, run.next_scheduled_start_time);
  set_time_if("start_time", before.start_time, run.start_time);
  set_time_if("end_time", before.end_time, run.end_time);
  sql += " WHERE id = ?1";
  auto& st = c.prepare(sql);
  st.bind(1, run.id).bind(2, run.state_id).bind(3, run.state_name);
  bind_time(st, 4, run.state_timestamp);
  st.bind(5, run.run_count)
      .bind(6, core::to_seconds(run.total_run_time))
      .bind(7, json::serialize(core::to_json(run.empirical_policy)))
      .bind(8, core::to_micros(now));
  for (auto& [index, bind] : indexed) bind(st, index);
  st.run();
}

void write_state(Connection& c, const FlowRun& before, const FlowRun& run, const State& state, Timestamp now) {
  insert_state(c, "flow_run_state", "flow_run_id", run.id, state, now);
  write_bookkeeping(c, before, run, now);
}

std::optional<State> read_state(Connection& c, const std::string& state_id) {
  auto& st = c.prepare(std::string("SELECT ") + kStateColumns + " FROM flow_run_state WHERE id = ?1");
  st.bind(1, state_id);
  if (!st.step()) return std::nullopt;
  State s = state_from_row(st);
  st.reset();
  return s;
}

std::vector<State> list_states(Connection& c, const std::string& flow_run_id) {
  auto& st = c.prepare(std::string("SELECT ") + kStateColumns +
                       " FROM flow_run_state WHERE flow_run_id = ?1 ORDER BY timestamp");
  st.bind(1, flow_run_id);
  std::vector<State> out;
  while (st.step()) out.push_back(state_from_row(st));
  st.reset();
  return out;
}

std::vector<Timestamp> state_timestamps_from(Connection& c, const std::string& flow_run_id, Timestamp from) {
  auto& st = c.prepare("SELECT timestamp FROM flow_run_state WHERE flow_run_id = ?1 AND timestamp >= ?2");
  st.bind(1, flow_run_id).bind(2, core::to_micros(from));
  std::vector<Timestamp> out;
  while (st.step()) out.push_back(core::from_micros(st.column_int(0)));
  st.reset();
  return out;
}

}  // namespace praetor::store::flow_runs
