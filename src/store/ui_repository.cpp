#include "store/ui_repository.h"

namespace praetor::store::ui {

namespace {

std::optional<core::Timestamp> optional_time(Statement& st, int col) {
  auto v = st.column_optional_int(col);
  if (!v) return std::nullopt;
  return core::from_micros(*v);
}

// "?, ?, …" for n values (n ≥ 1).
std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

// Runs `sql` (with one IN list of `ids`) and maps column 0 to the integer in column 1.
std::map<std::string, int64_t> counts_by_id(Connection& c, const std::string& sql, const std::vector<std::string>& ids) {
  std::map<std::string, int64_t> out;
  if (ids.empty()) return out;
  auto& st = c.prepare(sql);
  int i = 1;
  for (const auto& id : ids) st.bind(i++, id);
  while (st.step()) out[st.column_text(0)] = st.column_int(1);
  st.reset();
  return out;
}

}  // namespace

std::vector<HistoryRow> flow_run_history(Connection& c, const SqlCondition& where, const std::string& order_by,
                                         int64_t limit, int64_t offset) {
  auto& st = c.prepare(
      "SELECT id, state_type, start_time, expected_start_time, state_timestamp, total_run_time FROM flow_run WHERE " +
      where.sql + " " + order_by + " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<HistoryRow> out;
  while (st.step()) {
    HistoryRow r;
    r.id = st.column_text(0);
    r.state_type = st.column_optional_text(1).value_or("");
    r.start_time = optional_time(st, 2);
    r.expected_start_time = optional_time(st, 3);
    r.state_timestamp = optional_time(st, 4);
    r.total_run_time = st.column_double(5);
    out.push_back(std::move(r));
  }
  st.reset();
  return out;
}

std::map<std::string, int64_t> task_run_counts(Connection& c, const std::vector<std::string>& flow_run_ids) {
  // A task run whose id is some flow run's parent_task_run_id stands for a subflow run.
  return counts_by_id(c,
                      "SELECT flow_run_id, COUNT(*) FROM task_run WHERE flow_run_id IN (" +
                          placeholders(flow_run_ids.size()) +
                          ") AND NOT EXISTS (SELECT 1 FROM flow_run sub WHERE sub.parent_task_run_id = task_run.id) "
                          "GROUP BY flow_run_id",
                      flow_run_ids);
}

std::map<std::string, int64_t> deployment_counts(Connection& c, const std::vector<std::string>& flow_ids) {
  return counts_by_id(c,
                      "SELECT flow_id, COUNT(*) FROM deployment WHERE flow_id IN (" + placeholders(flow_ids.size()) +
                          ") GROUP BY flow_id",
                      flow_ids);
}

std::map<std::string, NextRun> next_runs(Connection& c, const std::vector<std::string>& flow_ids) {
  std::map<std::string, NextRun> out;
  auto& st = c.prepare(
      "SELECT id, flow_id, name, state_name, state_type, next_scheduled_start_time FROM flow_run "
      "WHERE flow_id = ?1 AND state_type = 'SCHEDULED' AND next_scheduled_start_time IS NOT NULL "
      "ORDER BY next_scheduled_start_time ASC, id ASC LIMIT 1");
  for (const auto& flow_id : flow_ids) {
    if (out.count(flow_id)) continue;
    st.bind(1, flow_id);
    if (st.step()) {
      out[flow_id] = NextRun{st.column_text(0),
                             st.column_text(1),
                             st.column_text(2),
                             st.column_optional_text(3).value_or(""),
                             st.column_text(4),
                             core::from_micros(st.column_int(5))};
    }
    st.reset();
  }
  return out;
}

std::vector<BucketCount> task_run_buckets(Connection& c, const SqlCondition& where, core::Timestamp start,
                                          int64_t bucket_micros, int buckets) {
  std::vector<BucketCount> out(static_cast<size_t>(buckets));
  if (bucket_micros <= 0) return out;
  // One range count per bucket, grouped by state type: with an index on (state_type,
  // start_time) each is a covering range scan whose rows already arrive grouped, where one
  // GROUP BY over a computed bucket would sort every matching row.
  auto& st = c.prepare("SELECT state_type, COUNT(*) FROM task_run WHERE start_time >= ? AND start_time < ? AND (" +
                       where.sql + ") GROUP BY state_type");
  int64_t from = core::to_micros(start);
  for (int i = 0; i < buckets; ++i) {
    st.bind(1, from + i * bucket_micros).bind(2, from + (i + 1) * bucket_micros);
    bind_all(st, where.params, 3);
    auto& b = out[static_cast<size_t>(i)];
    while (st.step()) {
      auto type = st.column_optional_text(0).value_or("");
      (type == "FAILED" || type == "CRASHED" ? b.failed : b.completed) += st.column_int(1);
    }
    st.reset();
  }
  return out;
}

std::map<std::string, int64_t> task_run_state_counts(Connection& c, const SqlCondition& where) {
  auto& st = c.prepare("SELECT state_type, COUNT(*) FROM task_run WHERE state_type IS NOT NULL AND (" + where.sql +
                       ") GROUP BY state_type");
  bind_all(st, where.params, 1);
  std::map<std::string, int64_t> out;
  while (st.step()) out[st.column_text(0)] = st.column_int(1);
  st.reset();
  return out;
}

std::optional<std::string> flow_run_name(Connection& c, const std::string& id) {
  auto& st = c.prepare("SELECT name FROM flow_run WHERE id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  std::string name = st.column_text(0);
  st.reset();
  return name;
}

}  // namespace praetor::store::ui
