#include "store/task_run_rollup.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "store/dialect.h"
#include "store/sql_conditions.h"

namespace praetor::store::task_run_rollup {

namespace {

constexpr int64_t kMinute = 60'000'000;  // the rollup's grain, in µs (migration 0024)

// Collects (bucket, state type, state name) → count and sums over several queries.
using Key = std::tuple<int64_t, std::string, std::string>;
using Sums = std::map<Key, history::StateCount>;

void collect(Statement& st, Sums& out) {
  while (st.step()) {
    Key key{st.column_int(0), st.column_optional_text(1).value_or(""), st.column_optional_text(2).value_or("")};
    auto& s = out[key];
    s.bucket = std::get<0>(key);
    s.state_type = std::get<1>(key);
    s.state_name = std::get<2>(key);
    s.count += st.column_int(3);
    s.sum_estimated_run_time += st.column_double(4);
    s.sum_estimated_lateness += st.column_double(5);
  }
  st.reset();
}

// A query's conditions with their anonymous '?' parameters, in order.
struct Where {
  std::vector<std::string> terms;
  std::vector<SqlValue> params;
  void add(std::string term, std::vector<SqlValue> values = {}) {
    terms.push_back(std::move(term));
    params.insert(params.end(), values.begin(), values.end());
  }
  std::string sql() const {
    std::string out;
    for (const auto& t : terms) out += (out.empty() ? "" : " AND ") + ("(" + t + ")");
    return out.empty() ? "1=1" : out;
  }
};

// The history's intervals over expected_start_time: [start, start + buckets·interval).
struct Axis {
  int64_t start = 0;
  int64_t interval = 0;
  int64_t buckets = 0;
  int64_t end() const { return start + buckets * interval; }
  // The whole minutes [first_minute, last_minute] inside the range; of those, a cell is read
  // from the rollup only when its minute lies in one interval.
  int64_t first_minute() const { return (start + kMinute - 1) / kMinute; }
  int64_t last_minute() const { return end() / kMinute - 1; }
};

// A window [after, before] on a time column (either side open): its whole minutes come from
// the rollup, its edges (µs ranges [from, to)) from the rows.
struct Split {
  std::optional<int64_t> after, before;
  std::optional<int64_t> first_minute, last_minute;  // whole minutes, when that side is bounded
  bool any_whole = true;
  std::vector<std::pair<int64_t, int64_t>> edges;
  bool bounded() const { return after || before; }
};

Split split(std::optional<int64_t> after, std::optional<int64_t> before) {
  Split s;
  s.after = after;
  s.before = before;
  if (after) s.first_minute = (*after + kMinute - 1) / kMinute;
  if (before) s.last_minute = (*before + 1) / kMinute - 1;
  if (after && before && *s.first_minute > *s.last_minute) {
    s.any_whole = false;
    if (*after <= *before) s.edges.emplace_back(*after, *before + 1);
    return s;
  }
  if (after && *after < *s.first_minute * kMinute) s.edges.emplace_back(*after, *s.first_minute * kMinute);
  if (before && (*s.last_minute + 1) * kMinute <= *before) {
    s.edges.emplace_back((*s.last_minute + 1) * kMinute, *before + 1);
  }
  return s;
}

// `column` (a row's µs time, unary-plus'd by the caller when it must not drive) in the window,
// or in its whole minutes.
void add_window(const Split& s, const std::string& column, Where& w) {
  if (s.after) w.add(column + " >= ?", {*s.after});
  if (s.before) w.add(column + " <= ?", {*s.before});
}
void add_whole(const Split& s, const std::string& column, Where& w) {
  if (!s.any_whole) w.add("0 = 1");
  if (s.first_minute) w.add(column + " >= ?", {*s.first_minute * kMinute});
  if (s.last_minute) w.add(column + " < ?", {(*s.last_minute + 1) * kMinute});
}
// A cell's minute column among the window's whole minutes (the NULL and no-flow-run sentinels
// never are).
void add_whole_cells(const Split& s, const std::string& column, Where& w) {
  if (!s.any_whole) w.add("0 = 1");
  if (s.first_minute) w.add(column + " >= ?", {*s.first_minute});
  if (s.last_minute) w.add(column + " > -9223372036854775806 AND " + column + " <= ?", {*s.last_minute});
}

constexpr const char* kFlowRunOf = "SELECT 1 FROM flow_run WHERE flow_run.id = task_run.flow_run_id";

// The filter's state types, over a task_run row or a rollup cell.
void add_states(const Filter& f, bool cells, Where& w) {
  if (!f.state_types) return;
  std::string term = cells ? "task_run_rollup.state_type IN (" : "task_run.state_type IN (";
  std::vector<SqlValue> types;
  for (const auto& t : *f.state_types) {
    term += types.empty() ? "?" : ", ?";
    types.emplace_back(t);
  }
  w.add(term + ")", types);
}

// The task run's flow run stored (and, with a window, expected in it / in its whole minutes).
void add_flow_run(const Filter& f, const Split& flow, bool whole, Where& w) {
  if (!f.in_flow_run) return;
  Where inner;
  if (whole) {
    add_whole(flow, "flow_run.expected_start_time", inner);
  } else {
    add_window(flow, "flow_run.expected_start_time", inner);
  }
  w.add(std::string("EXISTS (") + kFlowRunOf + (inner.terms.empty() ? "" : " AND " + inner.sql()) + ")",
        inner.params);
}
void add_flow_run_cells(const Filter& f, const Split& flow, Where& w) {
  if (!f.in_flow_run) return;
  if (flow.bounded()) {
    add_whole_cells(flow, "task_run_rollup.flow_run_minute", w);
  } else {
    w.add("task_run_rollup.flow_run_minute <> -9223372036854775806");
  }
}

// The interval an expected-start minute `m` (SQL) falls in, and whether all of it falls in one.
std::string bucket_of_minute(const std::string& m) { return "((" + m + ") * 60000000 - ?) / ?"; }
void add_whole_minute(const Axis& a, const std::string& m, Where& w) {
  w.add("((" + m + ") * 60000000 - ?) / ? = ((" + m + ") * 60000000 + 59999999 - ?) / ?",
        {a.start, a.interval, a.start, a.interval});
}

// ?1 is now; with an axis ?2 and ?3 are its start and interval.
std::string row_select(const Dialect d, const std::optional<Axis>& axis) {
  const std::string bucket = axis ? "(task_run.expected_start_time - ?2) / ?3" : "0";
  return "SELECT " + bucket + ", task_run.state_type, task_run.state_name, COUNT(*), SUM(" +
         sql::greatest(d, "0", history::estimated_run_time_seconds()) + "), SUM(" +
         sql::greatest(d, "0", history::estimated_lateness_seconds()) + ") FROM task_run WHERE ";
}

// Task runs matching `w`, grouped, added to `out`; ?1 is now.
void rows(Connection& c, const std::optional<Axis>& axis, const Where& w, int64_t now, Sums& out) {
  auto& st = c.prepare(row_select(c.dialect(), axis) + w.sql() + " GROUP BY 1, 2, 3");
  st.bind(1, now);
  int next = 2;
  if (axis) {
    st.bind(2, axis->start).bind(3, axis->interval);
    next = 4;
  }
  bind_all(st, w.params, next);
  collect(st, out);
}

bool has_subflows(Connection& c) {
  auto& st = c.prepare("SELECT 1 FROM flow_run WHERE parent_task_run_id IS NOT NULL LIMIT 1");
  bool any = st.step();
  st.reset();
  return any;
}

bool rollup_kept(Connection& c, const Filter& f) {
  if (c.dialect() != Dialect::kSqlite) return false;  // the rollup is kept on SQLite only
  return !(f.without_subflows && has_subflows(c));
}

// The answer for `f`, by interval of `axis` (one bucket 0 without). `sums`: the cells whose
// sums depend on now (RUNNING; not started and not final) are read from the rows. A row is
// read from the rollup when its expected start, start and flow run's expected start lie in
// whole minutes of their windows and its sums are fixed; each other row is read by exactly
// one of the row queries 2-5 (each excludes what an earlier one read).
std::optional<Sums> answer(Connection& c, const Filter& f, const std::optional<Axis>& axis, bool sums, int64_t now) {
  if (!rollup_kept(c, f)) return std::nullopt;
  Sums out;
  const Split start = split(f.start_after, f.start_before);
  const Split flow = split(f.flow_run_after, f.flow_run_before);
  // Each row query is driven by one small range of one index (an edge minute, the unfinished
  // states); the other conditions are unary-plus'd so SQLite does not pick their wider range.
  auto add_whole_expected = [&](Where& w) {
    if (!axis) return;
    w.add("+task_run.expected_start_time >= ? AND +task_run.expected_start_time < ?",
          {axis->first_minute() * kMinute, (axis->last_minute() + 1) * kMinute});
    add_whole_minute(*axis, "task_run.expected_start_time / 60000000", w);
  };

  // 1. The rollup's cells: whole minutes on every axis (their sums fixed, when sums count).
  {
    Where w;
    std::string bucket = "0";
    std::vector<SqlValue> head;
    if (axis) {
      bucket = bucket_of_minute("task_run_rollup.expected_minute");
      head = {axis->start, axis->interval};
      w.add("task_run_rollup.expected_minute BETWEEN ? AND ?", {axis->first_minute(), axis->last_minute()});
      add_whole_minute(*axis, "task_run_rollup.expected_minute", w);
    }
    if (start.bounded()) add_whole_cells(start, "task_run_rollup.start_minute", w);
    if (sums) {
      w.add("task_run_rollup.state_type <> 'RUNNING' AND (task_run_rollup.start_minute <> -9223372036854775807 OR "
            "task_run_rollup.state_type IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'))");
    }
    add_states(f, true, w);
    add_flow_run_cells(f, flow, w);
    head.insert(head.end(), w.params.begin(), w.params.end());
    // A count needs no grouping (the total of the runs page: one pass over the cells).
    auto& st = c.prepare(axis || sums ? "SELECT " + bucket +
                                            ", task_run_rollup.state_type, task_run_rollup.state_name, SUM(runs), "
                                            "SUM(run_time), SUM(lateness) FROM task_run_rollup WHERE " +
                                            w.sql() + " GROUP BY 1, 2, 3 HAVING SUM(runs) > 0"
                                      : "SELECT 0, '', '', COALESCE(SUM(runs), 0), 0, 0 FROM task_run_rollup WHERE " +
                                            w.sql());
    bind_all(st, head, 1);
    collect(st, out);
  }
  // 2. Rows in the expected-start minutes that straddle an interval's bound (or the range's).
  if (axis) {
    std::set<int64_t> minutes;
    for (int64_t k = 0; k <= axis->buckets; ++k) {
      const int64_t bound = axis->start + k * axis->interval;
      if (bound % kMinute != 0) minutes.insert(bound / kMinute);
    }
    for (int64_t m : minutes) {
      Where w;
      w.add("task_run.expected_start_time >= ? AND task_run.expected_start_time < ?",
            {std::max(m * kMinute, axis->start), std::min((m + 1) * kMinute, axis->end())});
      add_window(start, "+task_run.start_time", w);
      add_states(f, false, w);
      add_flow_run(f, flow, false, w);
      rows(c, axis, w, now, out);
    }
  }
  // 3. Rows in the start window's edge minutes, expected in a whole minute.
  for (const auto& [from, to] : start.edges) {
    Where w;
    w.add("task_run.start_time >= ? AND task_run.start_time < ?", {from, to});
    add_whole_expected(w);
    add_states(f, false, w);
    add_flow_run(f, flow, false, w);
    rows(c, axis, w, now, out);
  }
  // 4. Rows whose flow run is expected in an edge minute of the flow-run window, expected and
  // started in whole minutes.
  for (const auto& [from, to] : flow.edges) {
    Where w;
    w.add("task_run.flow_run_id IN (SELECT flow_run.id FROM flow_run WHERE flow_run.expected_start_time >= ? AND "
          "flow_run.expected_start_time < ?)",
          {from, to});
    add_whole_expected(w);
    add_whole(start, "+task_run.start_time", w);
    add_states(f, false, w);
    rows(c, axis, w, now, out);
  }
  // 5. Rows whose sums depend on now, in whole minutes on every axis. The state types are
  // Prefect's nine (the only ones stored), so these are all such rows.
  if (sums) {
    Where w;
    w.add("task_run.state_type IS NULL OR task_run.state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', "
          "'CANCELLING')");
    w.add("task_run.state_type = 'RUNNING' OR task_run.start_time IS NULL");
    add_whole_expected(w);
    if (start.bounded()) add_whole(start, "+task_run.start_time", w);
    add_states(f, false, w);
    add_flow_run(f, flow, true, w);
    rows(c, axis, w, now, out);
  }
  return out;
}

}  // namespace

std::optional<int64_t> count(Connection& c, const Filter& filter) {
  auto sums = answer(c, filter, std::nullopt, false, 0);
  if (!sums) return std::nullopt;
  int64_t n = 0;
  for (const auto& [_, s] : *sums) n += s.count;
  return n;
}

std::optional<std::vector<history::StateCount>> history(Connection& c, const Filter& filter, core::Timestamp start,
                                                        int64_t interval_micros, int64_t buckets, core::Timestamp now) {
  const int64_t from = core::to_micros(start);
  if (from < 0 || interval_micros <= 0 || buckets <= 0) return std::nullopt;
  auto sums = answer(c, filter, Axis{from, interval_micros, buckets}, true, core::to_micros(now));
  if (!sums) return std::nullopt;
  std::vector<history::StateCount> out;
  for (auto& [_, s] : *sums) {
    if (s.count > 0) out.push_back(std::move(s));
  }
  return out;
}

std::optional<SqlCondition> page_range(Connection& c, const Filter& f, int64_t needed) {
  if (!(f.flow_run_after || f.flow_run_before) || needed <= 0 || !rollup_kept(c, f)) return std::nullopt;
  const Split start = split(f.start_after, f.start_before);
  const Split flow = split(f.flow_run_after, f.flow_run_before);
  // The highest expected minute of a cell that may hold a match (its minutes cover the windows).
  Where may;
  may.add("task_run_rollup.expected_minute > -9223372036854775807 AND task_run_rollup.runs > 0");
  if (f.flow_run_after) may.add("task_run_rollup.flow_run_minute >= ?", {*f.flow_run_after / kMinute});
  if (f.flow_run_before) {
    may.add("task_run_rollup.flow_run_minute > -9223372036854775806 AND task_run_rollup.flow_run_minute <= ?",
            {*f.flow_run_before / kMinute});
  }
  if (f.start_after) may.add("task_run_rollup.start_minute >= ?", {*f.start_after / kMinute});
  if (f.start_before) {
    may.add("task_run_rollup.start_minute > -9223372036854775807 AND task_run_rollup.start_minute <= ?",
            {*f.start_before / kMinute});
  }
  add_states(f, true, may);
  auto& top = c.prepare("SELECT MAX(task_run_rollup.expected_minute) FROM task_run_rollup WHERE " + may.sql());
  bind_all(top, may.params, 1);
  std::optional<int64_t> highest;
  if (top.step()) highest = top.column_optional_int(0);
  top.reset();
  if (!highest) return std::nullopt;
  // The highest minute from which the cells that surely match (whole minutes of every window)
  // hold `needed` runs.
  Where sure;
  sure.add("task_run_rollup.expected_minute > -9223372036854775807");
  add_whole_cells(flow, "task_run_rollup.flow_run_minute", sure);
  if (start.bounded()) add_whole_cells(start, "task_run_rollup.start_minute", sure);
  add_states(f, true, sure);
  auto& st = c.prepare("SELECT task_run_rollup.expected_minute, SUM(runs) FROM task_run_rollup WHERE " + sure.sql() +
                       " GROUP BY task_run_rollup.expected_minute ORDER BY task_run_rollup.expected_minute DESC");
  bind_all(st, sure.params, 1);
  std::optional<int64_t> lowest;
  int64_t seen = 0;
  while (st.step()) {
    seen += st.column_int(1);
    if (seen >= needed) {
      lowest = st.column_int(0);
      break;
    }
  }
  st.reset();
  if (!lowest) return std::nullopt;
  return SqlCondition{"task_run.expected_start_time >= ? AND task_run.expected_start_time < ?",
                      {*lowest * kMinute, (*highest + 1) * kMinute}};
}

}  // namespace praetor::store::task_run_rollup
