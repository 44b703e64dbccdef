#include "store/run_history.h"

#include "store/dialect.h"

namespace praetor::store::history {

std::string estimated_run_time_seconds() {
  return "(total_run_time + CASE WHEN state_type = 'RUNNING' AND state_timestamp IS NOT NULL "
         "THEN (?1 - state_timestamp) / 1e6 ELSE 0 END)";
}

std::string estimated_lateness_seconds() {
  return "(CASE WHEN start_time > expected_start_time THEN (start_time - expected_start_time) / 1e6 "
         "WHEN start_time IS NULL AND state_type NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED') "
         "AND expected_start_time < ?1 THEN (?1 - expected_start_time) / 1e6 ELSE 0 END)";
}

std::vector<StateCount> run_history(Connection& c, RunTable table, const SqlCondition& where, core::Timestamp start,
                                    int64_t interval_micros, int64_t buckets, core::Timestamp now) {
  std::vector<StateCount> out;
  if (interval_micros <= 0 || buckets <= 0) return out;
  const Dialect d = c.dialect();
  const char* name = table == RunTable::kFlowRun ? "flow_run" : "task_run";
  auto& st = c.prepare(std::string("SELECT (expected_start_time - ?2) / ?3 AS bucket, state_type, state_name, COUNT(*), "
                                   "SUM(") +
                       sql::greatest(d, "0", estimated_run_time_seconds()) + "), SUM(" +
                       sql::greatest(d, "0", estimated_lateness_seconds()) + ") FROM " + name +
                       " WHERE expected_start_time >= ?2 AND expected_start_time < ?4 AND (" + where.sql +
                       ") GROUP BY bucket, state_type, state_name ORDER BY bucket, state_type, state_name");
  const int64_t from = core::to_micros(start);
  st.bind(1, core::to_micros(now)).bind(2, from).bind(3, interval_micros).bind(4, from + buckets * interval_micros);
  bind_all(st, where.params, 5);
  while (st.step()) {
    StateCount s;
    s.bucket = st.column_int(0);
    s.state_type = st.column_optional_text(1).value_or("");
    s.state_name = st.column_optional_text(2).value_or("");
    s.count = st.column_int(3);
    s.sum_estimated_run_time = st.column_double(4);
    s.sum_estimated_lateness = st.column_double(5);
    out.push_back(std::move(s));
  }
  st.reset();
  return out;
}

std::optional<double> average_flow_run_lateness(Connection& c, const SqlCondition& where, core::Timestamp now) {
  auto& st = c.prepare("SELECT AVG(" + estimated_lateness_seconds() + ") FROM flow_run WHERE " + where.sql);
  st.bind(1, core::to_micros(now));
  bind_all(st, where.params, 2);
  std::optional<double> average;
  if (st.step()) average = st.column_optional_double(0);
  st.reset();
  return average;
}

}  // namespace praetor::store::history
