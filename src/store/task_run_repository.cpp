#include "store/task_run_repository.h"

#include <algorithm>
#include <functional>

#include "core/json_util.h"
#include "core/slug.h"
#include "store/bulk_insert.h"
#include "store/dialect.h"
#include "store/state_rows.h"
#include "store/flow_repository.h"

namespace praetor::store::task_runs {

namespace json = boost::json;
using core::Timestamp;

namespace {

constexpr const char* kRunColumns =
    "task_run.id, task_run.created, task_run.updated, task_run.name, task_run.flow_run_id, task_run.task_key, task_run.dynamic_key, task_run.cache_key, "
    "task_run.cache_expiration, task_run.task_version, task_run.empirical_policy, task_run.tags, task_run.labels, task_run.task_inputs, task_run.run_count, "
    "task_run.flow_run_run_count, task_run.expected_start_time, task_run.next_scheduled_start_time, task_run.start_time, task_run.end_time, "
    "task_run.total_run_time, task_run.state_id, task_run.state_type, task_run.state_name, task_run.state_timestamp, "
    "s.id, s.type, s.name, s.timestamp, s.message, s.state_details, s.data";

constexpr const char* kStateColumns = "id, type, name, timestamp, message, state_details, data";

std::optional<Timestamp> optional_time(Statement& st, int col) {
  if (auto v = st.column_optional_int(col)) return core::from_micros(*v);
  return std::nullopt;
}

std::optional<int64_t> micros_or_null(const std::optional<Timestamp>& t) {
  if (t) return core::to_micros(*t);
  return std::nullopt;
}

json::value value_from_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  return ec ? json::value(nullptr) : v;
}

std::optional<std::string> data_to_text(const json::value& data) {
  if (data.is_null()) return std::nullopt;
  return json::serialize(data);
}

core::State state_from_columns(Statement& st, int first) {
  core::State s;
  s.id = st.column_text(first);
  s.type = core::parse_state_type(st.column_text(first + 1)).value_or(core::StateType::kPending);
  s.name = st.column_text(first + 2);
  s.timestamp = core::from_micros(st.column_int(first + 3));
  s.message = st.column_optional_text(first + 4);
  s.state_details = flows::object_from_text(st.column_text(first + 5));
  s.data = value_from_text(st.column_optional_text(first + 6));
  return s;
}

core::TaskRun run_from_row(Statement& st) {
  core::TaskRun t;
  t.id = st.column_text(0);
  t.created = core::from_micros(st.column_int(1));
  t.updated = core::from_micros(st.column_int(2));
  t.name = st.column_text(3);
  t.flow_run_id = st.column_optional_text(4);
  t.task_key = st.column_text(5);
  t.dynamic_key = st.column_text(6);
  t.cache_key = st.column_optional_text(7);
  t.cache_expiration = optional_time(st, 8);
  t.task_version = st.column_optional_text(9);
  t.empirical_policy = core::task_run_policy_from_json(flows::object_from_text(st.column_text(10)));
  t.tags = flows::tags_from_text(st.column_text(11));
  t.labels = flows::object_from_text(st.column_text(12));
  t.task_inputs = flows::object_from_text(st.column_text(13));
  t.run_count = st.column_int(14);
  t.flow_run_run_count = st.column_int(15);
  t.expected_start_time = optional_time(st, 16);
  t.next_scheduled_start_time = optional_time(st, 17);
  t.start_time = optional_time(st, 18);
  t.end_time = optional_time(st, 19);
  t.total_run_time = core::duration_from_seconds(st.column_double(20));
  if (!st.is_null(25)) {
    t.state = state_from_columns(st, 25);
  } else if (!st.is_null(21)) {
    // The state row is missing (should not happen); rebuild what the run row mirrors.
    core::State s;
    s.id = st.column_text(21);
    s.type = core::parse_state_type(st.column_text(22)).value_or(core::StateType::kPending);
    s.name = st.column_optional_text(23).value_or(core::default_state_name(s.type));
    s.timestamp = core::from_micros(st.column_optional_int(24).value_or(0));
    t.state = s;
  }
  return t;
}

std::optional<core::TaskRun> read_where(Connection& c, const std::string& where,
                                        const std::function<void(Statement&)>& bind) {
  auto& st = c.prepare(std::string("SELECT ") + kRunColumns +
                       " FROM task_run LEFT JOIN task_run_state s ON s.id = task_run.state_id WHERE " + where + " LIMIT 1");
  bind(st);
  if (!st.step()) return std::nullopt;
  core::TaskRun t = run_from_row(st);
  st.reset();
  return t;
}

std::optional<core::TaskRun> read_by_natural_key(Connection& c, const std::optional<std::string>& flow_run_id,
                                                 const std::string& task_key, const std::string& dynamic_key) {
  if (flow_run_id) {
    return read_where(c, "task_run.flow_run_id = ?1 AND task_run.task_key = ?2 AND task_run.dynamic_key = ?3",
                      [&](Statement& st) { st.bind(1, *flow_run_id).bind(2, task_key).bind(3, dynamic_key); });
  }
  return read_where(c, "task_run.flow_run_id IS NULL AND task_run.task_key = ?1 AND task_run.dynamic_key = ?2",
                    [&](Statement& st) { st.bind(1, task_key).bind(2, dynamic_key); });
}

void insert_state_row(Connection& c, const std::string& task_run_id, const core::State& s, Timestamp now,
                      bool ignore_existing) {
  auto& st = c.prepare(std::string(ignore_existing ? sql::insert_or_ignore(c.dialect()) : "INSERT") +
                       " INTO task_run_state(id, task_run_id, created, type, name, timestamp, message, "
                       "state_details, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" +
                       (ignore_existing ? sql::on_conflict_ignore(c.dialect()) : ""));
  st.bind(1, s.id)
      .bind(2, task_run_id)
      .bind(3, core::to_micros(now))
      .bind(4, core::to_string(s.type))
      .bind(5, s.name)
      .bind(6, core::to_micros(s.timestamp))
      .bind(7, s.message)
      .bind(8, json::serialize(s.state_details))
      .bind(9, data_to_text(s.data))
      .run();
}

// The value bound for one task_run column of `t`, by column name.
void bind_column(Statement& st, int index, const std::string& column, const core::TaskRun& t) {
  if (column == "name") st.bind(index, t.name);
  else if (column == "task_key") st.bind(index, t.task_key);
  else if (column == "dynamic_key") st.bind(index, t.dynamic_key);
  else if (column == "cache_key") st.bind(index, t.cache_key);
  else if (column == "cache_expiration") st.bind(index, micros_or_null(t.cache_expiration));
  else if (column == "task_version") st.bind(index, t.task_version);
  else if (column == "empirical_policy") st.bind(index, json::serialize(core::to_json(t.empirical_policy)));
  else if (column == "tags") st.bind(index, flows::tags_to_text(t.tags));
  else if (column == "labels") st.bind(index, json::serialize(t.labels));
  else if (column == "task_inputs") st.bind(index, json::serialize(t.task_inputs));
  else if (column == "run_count") st.bind(index, t.run_count);
  else if (column == "flow_run_run_count") st.bind(index, t.flow_run_run_count);
  else if (column == "expected_start_time") st.bind(index, micros_or_null(t.expected_start_time));
  else if (column == "next_scheduled_start_time") st.bind(index, micros_or_null(t.next_scheduled_start_time));
  else if (column == "start_time") st.bind(index, micros_or_null(t.start_time));
  else if (column == "end_time") st.bind(index, micros_or_null(t.end_time));
  else if (column == "total_run_time") st.bind(index, core::to_seconds(t.total_run_time));
  else st.bind(index, nullptr);
}

// Payload fields the recorder may write, each the name of its column.
const std::vector<std::string>& recordable_columns() {
  static const std::vector<std::string> kColumns = {
      "name", "task_key", "dynamic_key", "cache_key", "cache_expiration", "task_version", "empirical_policy",
      "tags", "labels", "task_inputs", "run_count", "flow_run_run_count", "expected_start_time",
      "next_scheduled_start_time", "start_time", "end_time", "total_run_time"};
  return kColumns;
}

}  // namespace

void lock_for_update(Connection& c, const std::string& id) {
  if (c.dialect() != Dialect::kPostgres) return;
  auto& st = c.prepare(std::string("SELECT id FROM task_run WHERE id = ?1") + sql::for_update(c.dialect()));
  st.bind(1, id).run();
}

CreateResult get_or_create(Connection& c, const core::TaskRun& proposed) {
  if (!proposed.flow_run_id) {
    // SQLite's unique index treats NULL flow_run_ids as distinct: match in application logic,
    // as Prefect does.
    if (auto existing = read_by_natural_key(c, std::nullopt, proposed.task_key, proposed.dynamic_key)) {
      return {std::move(*existing), false};
    }
  }
  auto& ins = c.prepare(
      "INSERT INTO task_run(id, created, updated, name, flow_run_id, task_key, dynamic_key, cache_key, "
      "cache_expiration, task_version, empirical_policy, tags, labels, task_inputs, run_count, flow_run_run_count, "
      "total_run_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
      "ON CONFLICT(flow_run_id, task_key, dynamic_key) DO NOTHING");
  ins.bind(1, proposed.id)
      .bind(2, core::to_micros(proposed.created))
      .bind(3, core::to_micros(proposed.updated))
      .bind(4, proposed.name)
      .bind(5, proposed.flow_run_id)
      .bind(6, proposed.task_key)
      .bind(7, proposed.dynamic_key)
      .bind(8, proposed.cache_key)
      .bind(9, micros_or_null(proposed.cache_expiration))
      .bind(10, proposed.task_version)
      .bind(11, json::serialize(core::to_json(proposed.empirical_policy)))
      .bind(12, flows::tags_to_text(proposed.tags))
      .bind(13, json::serialize(proposed.labels))
      .bind(14, json::serialize(proposed.task_inputs))
      .bind(15, proposed.run_count)
      .bind(16, proposed.flow_run_run_count)
      .bind(17, core::to_seconds(proposed.total_run_time))
      .run();
  if (c.changes() > 0) {
    core::TaskRun created = proposed;
    created.state.reset();
    return {std::move(created), true};
  }
  return {*read_by_natural_key(c, proposed.flow_run_id, proposed.task_key, proposed.dynamic_key), false};
}

std::set<std::string> insert_many(Connection& c, const std::vector<const WithHistory*>& runs) {
  BulkInsert rows("task_run", {"id", "created", "updated", "name", "flow_run_id", "task_key", "dynamic_key",
                               "cache_key", "cache_expiration", "task_version", "state_id", "state_type", "state_name",
                               "state_timestamp", "run_count", "flow_run_run_count", "expected_start_time",
                               "next_scheduled_start_time", "start_time", "end_time", "total_run_time",
                               "empirical_policy", "task_inputs", "tags", "labels"},
                  " ON CONFLICT DO NOTHING RETURNING id");
  // SQLite's unique index treats NULL flow_run_ids as distinct: flow-less runs are matched
  // here, as get_or_create matches them.
  std::set<std::pair<std::string, std::string>> flowless_keys;
  for (const WithHistory* item : runs) {
    const core::TaskRun& t = item->run;
    if (!t.flow_run_id) {
      if (!flowless_keys.emplace(t.task_key, t.dynamic_key).second) continue;
      if (read_by_natural_key(c, std::nullopt, t.task_key, t.dynamic_key)) continue;
    }
    const core::State* current = item->states.empty() ? nullptr : &item->states.back();
    for (const auto& state : item->states) {
      if (item->state_id && state.id == *item->state_id) current = &state;
    }
    std::optional<std::string> state_id, state_type, state_name;
    std::optional<int64_t> state_timestamp;
    if (current) {
      state_id = current->id;
      state_type = core::to_string(current->type);
      state_name = current->name;
      state_timestamp = core::to_micros(current->timestamp);
    }
    rows.add({t.id, core::to_micros(t.created), core::to_micros(t.updated), t.name, t.flow_run_id, t.task_key,
              t.dynamic_key, t.cache_key, micros_or_null(t.cache_expiration), t.task_version, state_id, state_type,
              state_name, state_timestamp, t.run_count, t.flow_run_run_count, micros_or_null(t.expected_start_time),
              micros_or_null(t.next_scheduled_start_time), micros_or_null(t.start_time), micros_or_null(t.end_time),
              core::to_seconds(t.total_run_time), json::serialize(core::to_json(t.empirical_policy)),
              json::serialize(t.task_inputs), flows::tags_to_text(t.tags), json::serialize(t.labels)});
  }
  const std::vector<std::string> returned = rows.run(c);
  std::set<std::string> inserted(returned.begin(), returned.end());
  BulkInsert states = state_rows("task_run_state", "task_run_id");
  for (const WithHistory* item : runs) {
    if (!inserted.count(item->run.id)) continue;
    for (const auto& state : item->states) add_state_row(states, item->run.id, state, item->run.updated);
  }
  states.run(c);
  return inserted;
}

std::optional<core::TaskRun> read(Connection& c, const std::string& id) {
  return read_where(c, "task_run.id = ?1", [&](Statement& st) { st.bind(1, id); });
}

std::vector<core::TaskRun> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                                int64_t offset) {
  auto& st = c.prepare(std::string("SELECT ") + kRunColumns +
                       " FROM task_run LEFT JOIN task_run_state s ON s.id = task_run.state_id WHERE " + where.sql + " " +
                       order_by + " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<core::TaskRun> out;
  while (st.step()) out.push_back(run_from_row(st));
  st.reset();
  return out;
}

int64_t count(Connection& c, const SqlCondition& where) {
  auto& st = c.prepare("SELECT COUNT(*) FROM task_run WHERE " + where.sql);
  bind_all(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

bool update(Connection& c, const std::string& id, const std::optional<std::string>& name, Timestamp now) {
  auto& st = c.prepare("UPDATE task_run SET name = COALESCE(?2, name), updated = ?3 WHERE id = ?1");
  st.bind(1, id).bind(2, name).bind(3, core::to_micros(now)).run();
  return c.changes() > 0;
}

bool remove(Connection& c, const std::string& id) {
  auto& st = c.prepare("DELETE FROM task_run WHERE id = ?1");
  st.bind(1, id).run();
  return c.changes() > 0;
}

void save_state(Connection& c, const core::TaskRun& run, const core::State& state, Timestamp now) {
  insert_state_row(c, run.id, state, now, false);
  auto& st = c.prepare(
      "UPDATE task_run SET updated = ?2, state_id = ?3, state_type = ?4, state_name = ?5, state_timestamp = ?6, "
      "run_count = ?7, flow_run_run_count = ?8, expected_start_time = ?9, next_scheduled_start_time = ?10, "
      "start_time = ?11, end_time = ?12, total_run_time = ?13 WHERE id = ?1");
  st.bind(1, run.id)
      .bind(2, core::to_micros(now))
      .bind(3, state.id)
      .bind(4, core::to_string(state.type))
      .bind(5, state.name)
      .bind(6, core::to_micros(state.timestamp))
      .bind(7, run.run_count)
      .bind(8, run.flow_run_run_count)
      .bind(9, micros_or_null(run.expected_start_time))
      .bind(10, micros_or_null(run.next_scheduled_start_time))
      .bind(11, micros_or_null(run.start_time))
      .bind(12, micros_or_null(run.end_time))
      .bind(13, core::to_seconds(run.total_run_time))
      .run();
}

std::optional<core::State> read_state(Connection& c, const std::string& state_id) {
  auto& st = c.prepare(std::string("SELECT ") + kStateColumns + " FROM task_run_state WHERE id = ?1");
  st.bind(1, state_id);
  if (!st.step()) return std::nullopt;
  core::State s = state_from_columns(st, 0);
  st.reset();
  return s;
}

std::vector<core::State> list_states(Connection& c, const std::string& task_run_id) {
  auto& st = c.prepare(std::string("SELECT ") + kStateColumns +
                       " FROM task_run_state WHERE task_run_id = ?1 ORDER BY timestamp, id");
  st.bind(1, task_run_id);
  std::vector<core::State> out;
  while (st.step()) out.push_back(state_from_columns(st, 0));
  return out;
}

std::optional<FlowRunSummary> read_flow_run_summary(Connection& c, const std::string& flow_run_id) {
  auto& st = c.prepare(
      "SELECT f.state_type, f.run_count, f.labels, s.state_details FROM flow_run f "
      "LEFT JOIN flow_run_state s ON s.id = f.state_id WHERE f.id = ?1");
  st.bind(1, flow_run_id);
  if (!st.step()) return std::nullopt;
  FlowRunSummary out;
  if (auto type = st.column_optional_text(0)) out.state_type = core::parse_state_type(*type);
  out.run_count = st.column_int(1);
  out.labels = flows::object_from_text(st.column_text(2));
  if (auto details = st.column_optional_text(3)) out.state_details = flows::object_from_text(*details);
  st.reset();
  return out;
}

RecordOutcome record(Connection& c, const RecordedTaskRun& recorded, Timestamp now) {
  const core::TaskRun& t = recorded.run;
  auto is_present = [&](const std::string& column) {
    return std::find(recorded.present.begin(), recorded.present.end(), column) != recorded.present.end();
  };

  // Which row this event belongs to: the natural key wins over the id (a REST-created run
  // keeps its id; the event's states attach to it).
  std::optional<std::string> existing_id;
  if (t.flow_run_id) {
    auto& st = c.prepare("SELECT id FROM task_run WHERE flow_run_id = ?1 AND task_key = ?2 AND dynamic_key = ?3");
    st.bind(1, *t.flow_run_id).bind(2, t.task_key).bind(3, t.dynamic_key);
    if (st.step()) existing_id = st.column_text(0);
    st.reset();
  }
  if (!existing_id) {
    auto& st = c.prepare("SELECT id FROM task_run WHERE id = ?1");
    st.bind(1, t.id);
    if (st.step()) existing_id = st.column_text(0);
    st.reset();
  }

  RecordOutcome out{existing_id.value_or(t.id), false, false};
  const core::State& state = recorded.state;
  if (!existing_id) {
    auto& ins = c.prepare(
        "INSERT INTO task_run(id, created, updated, name, flow_run_id, task_key, dynamic_key, cache_key, "
        "cache_expiration, task_version, empirical_policy, tags, labels, task_inputs, run_count, "
        "flow_run_run_count, expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, "
        "state_id, state_type, state_name, state_timestamp) VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)");
    ins.bind(1, t.id).bind(2, core::to_micros(now)).bind(3, t.name.empty() ? core::generate_slug() : t.name);
    ins.bind(4, t.flow_run_id);
    const auto& cols = recordable_columns();
    // Columns 2..17 of recordable_columns (task_key onwards) bind to ?5..?20.
    for (size_t i = 1; i < cols.size(); ++i) bind_column(ins, static_cast<int>(i) + 4, cols[i], t);
    ins.bind(21, state.id)
        .bind(22, core::to_string(state.type))
        .bind(23, state.name)
        .bind(24, core::to_micros(state.timestamp))
        .run();
    out.run_written = true;
  } else {
    std::string sql = "UPDATE task_run SET updated = ?2, flow_run_id = ?3, state_id = ?4, state_type = ?5, "
                      "state_name = ?6, state_timestamp = ?7";
    std::vector<std::string> written;
    for (const auto& column : recordable_columns()) {
      if (!is_present(column)) continue;
      written.push_back(column);
      sql += ", " + column + " = ?" + std::to_string(written.size() + 8);
    }
    sql += " WHERE id = ?1 AND (state_timestamp IS NULL OR state_timestamp < ?8)";
    auto& up = c.prepare(sql);
    up.bind(1, *existing_id)
        .bind(2, core::to_micros(now))
        .bind(3, t.flow_run_id)
        .bind(4, state.id)
        .bind(5, core::to_string(state.type))
        .bind(6, state.name)
        .bind(7, core::to_micros(state.timestamp))
        .bind(8, core::to_micros(state.timestamp));
    for (size_t i = 0; i < written.size(); ++i) bind_column(up, static_cast<int>(i) + 9, written[i], t);
    up.run();
    out.run_written = c.changes() > 0;
  }

  core::State row_state = state;
  row_state.state_details["task_run_id"] = out.task_run_id;
  row_state.state_details["flow_run_id"] = t.flow_run_id ? json::value(*t.flow_run_id) : json::value(nullptr);
  insert_state_row(c, out.task_run_id, row_state, now, true);
  out.state_inserted = c.changes() > 0;
  return out;
}

}  // namespace praetor::store::task_runs
