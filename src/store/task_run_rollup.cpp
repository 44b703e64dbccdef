#include "store/task_run_rollup.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "store/dialect.h"
#include "store/filters.h"

namespace praetor::store::task_run_rollup {

namespace json = boost::json;

namespace {

constexpr int64_t kMinute = 60'000'000;  // the rollup's grain, in µs (migration 0024)

// Prefect's state types; the rollup's cells are told apart by these (migration 0024).
const std::set<std::string>& state_type_names() {
  static const std::set<std::string> names{"SCHEDULED", "PENDING",  "RUNNING", "COMPLETED", "FAILED",
                                           "CANCELLED", "CRASHED", "PAUSED",  "CANCELLING"};
  return names;
}

bool is_null(const json::value* v) { return v == nullptr || v->is_null(); }

// Every key of `o` is in `allowed` or null, and "operator" (when given) is "and_".
bool only_keys(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : o) {
    if (v.is_null()) continue;
    if (k == "operator" && v.is_string() && v.as_string() == "and_") continue;
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) return false;
  }
  return true;
}

std::optional<int64_t> micros(const json::value* v) {
  if (is_null(v) || !v->is_string()) return std::nullopt;
  auto t = core::parse_timestamp(v->as_string());
  if (!t) return std::nullopt;
  return core::to_micros(*t);
}

bool read_task_runs(const json::object& f, Filter& out) {
  if (!only_keys(f, {"start_time", "state", "subflow_runs"})) return false;
  if (const auto* st = f.if_contains("start_time"); !is_null(st)) {
    if (!st->is_object() || !only_keys(st->as_object(), {"after_", "before_"})) return false;
    const auto& o = st->as_object();
    if (!is_null(o.if_contains("after_")) && !(out.start_after = micros(o.if_contains("after_")))) return false;
    if (!is_null(o.if_contains("before_")) && !(out.start_before = micros(o.if_contains("before_")))) return false;
    // Minutes are floored as non-negative numbers below.
    if (out.start_after.value_or(0) < 0 || out.start_before.value_or(0) < 0) return false;
  }
  if (const auto* state = f.if_contains("state"); !is_null(state)) {
    if (!state->is_object() || !only_keys(state->as_object(), {"type"})) return false;
    if (const auto* type = state->as_object().if_contains("type"); !is_null(type)) {
      if (!type->is_object() || !only_keys(type->as_object(), {"any_"})) return false;
      if (const auto* any = type->as_object().if_contains("any_"); !is_null(any)) {
        if (!any->is_array()) return false;
        std::vector<std::string> types;
        for (const auto& t : any->as_array()) {
          if (!t.is_string() || !state_type_names().count(std::string(t.as_string()))) return false;
          types.emplace_back(t.as_string());
        }
        out.state_types = std::move(types);
      }
    }
  }
  if (const auto* sub = f.if_contains("subflow_runs"); !is_null(sub)) {
    if (!sub->is_object() || !only_keys(sub->as_object(), {"exists_"})) return false;
    const auto* exists = sub->as_object().if_contains("exists_");
    if (!is_null(exists)) {
      if (!exists->is_bool() || exists->as_bool()) return false;
      out.without_subflows = true;
    }
  }
  return true;
}

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

// The start-time window [after, before] (either side open): its whole minutes come from the
// rollup, its edges (µs ranges [from, to)) from the rows.
struct StartSplit {
  std::optional<int64_t> first_minute, last_minute;  // whole minutes, bounds given by the window
  bool any_whole = true;
  std::vector<std::pair<int64_t, int64_t>> edges;
};

StartSplit split_start(const Filter& f) {
  StartSplit s;
  if (f.start_after) s.first_minute = (*f.start_after + kMinute - 1) / kMinute;
  if (f.start_before) s.last_minute = (*f.start_before + 1) / kMinute - 1;
  if (f.start_after && f.start_before && *s.first_minute > *s.last_minute) {
    s.any_whole = false;
    if (*f.start_after <= *f.start_before) s.edges.emplace_back(*f.start_after, *f.start_before + 1);
    return s;
  }
  if (f.start_after && *f.start_after < *s.first_minute * kMinute) {
    s.edges.emplace_back(*f.start_after, *s.first_minute * kMinute);
  }
  if (f.start_before && (*s.last_minute + 1) * kMinute <= *f.start_before) {
    s.edges.emplace_back((*s.last_minute + 1) * kMinute, *f.start_before + 1);
  }
  return s;
}

// The filter's state and flow-run conditions, over a task_run row or a rollup cell.
void add_common(const Filter& f, bool cells, Where& w) {
  if (f.state_types) {
    std::string term = cells ? "task_run_rollup.state_type IN (" : "task_run.state_type IN (";
    std::vector<SqlValue> types;
    for (const auto& t : *f.state_types) {
      term += types.empty() ? "?" : ", ?";
      types.emplace_back(t);
    }
    w.add(term + ")", types);
  }
  if (f.in_flow_run) {
    w.add(cells ? "task_run_rollup.in_flow_run = 1"
                : "EXISTS (SELECT 1 FROM flow_run WHERE flow_run.id = task_run.flow_run_id)");
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

// The answer for `f`, by interval of `axis` (one bucket 0 without). `sums`: the cells whose
// sums depend on now (RUNNING; not started and not final) are read from the rows.
std::optional<Sums> answer(Connection& c, const Filter& f, const std::optional<Axis>& axis, bool sums, int64_t now) {
  if (c.dialect() != Dialect::kSqlite) return std::nullopt;  // the rollup is kept on SQLite only
  if (f.without_subflows && has_subflows(c)) return std::nullopt;
  Sums out;
  const StartSplit split = split_start(f);
  auto add_start_window = [&](Where& w) {
    if (f.start_after) w.add("+task_run.start_time >= ?", {*f.start_after});
    if (f.start_before) w.add("+task_run.start_time <= ?", {*f.start_before});
  };
  // Row conditions: the start in the window; the expected start in a whole minute of one
  // interval; the start in a whole minute of the window. Each query below is driven by one
  // small range of one index (the edge minutes, the unfinished states): these conditions are
  // unary-plus'd so SQLite does not pick their wider range instead.
  auto add_whole_expected = [&](Where& w) {
    if (!axis) return;
    w.add("+task_run.expected_start_time >= ? AND +task_run.expected_start_time < ?",
          {axis->first_minute() * kMinute, (axis->last_minute() + 1) * kMinute});
    add_whole_minute(*axis, "task_run.expected_start_time / 60000000", w);
  };
  auto add_whole_start = [&](Where& w) {
    if (!split.any_whole) w.add("0 = 1");
    if (split.first_minute) w.add("+task_run.start_time >= ?", {*split.first_minute * kMinute});
    if (split.last_minute) w.add("+task_run.start_time < ?", {(*split.last_minute + 1) * kMinute});
  };

  // 1. The rollup's cells: whole minutes on both axes (their sums fixed, when sums count).
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
    if (!split.any_whole) w.add("0 = 1");
    if (split.first_minute) w.add("task_run_rollup.start_minute >= ?", {*split.first_minute});
    if (split.last_minute) {
      w.add("task_run_rollup.start_minute <> -9223372036854775807 AND task_run_rollup.start_minute <= ?",
            {*split.last_minute});
    }
    if (sums) {
      w.add("task_run_rollup.state_type <> 'RUNNING' AND (task_run_rollup.start_minute <> -9223372036854775807 OR "
            "task_run_rollup.state_type IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'))");
    }
    add_common(f, true, w);
    head.insert(head.end(), w.params.begin(), w.params.end());
    auto& st = c.prepare("SELECT " + bucket +
                         ", task_run_rollup.state_type, task_run_rollup.state_name, SUM(runs), SUM(run_time), "
                         "SUM(lateness) FROM task_run_rollup WHERE " +
                         w.sql() + " GROUP BY 1, 2, 3 HAVING SUM(runs) > 0");
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
      add_start_window(w);
      add_common(f, false, w);
      rows(c, axis, w, now, out);
    }
  }
  // 3. Rows in the start window's edge minutes, expected in a whole minute (not read in 2).
  for (const auto& [from, to] : split.edges) {
    Where w;
    w.add("task_run.start_time >= ? AND task_run.start_time < ?", {from, to});
    add_whole_expected(w);
    add_common(f, false, w);
    rows(c, axis, w, now, out);
  }
  // 4. Rows whose sums depend on now, in whole minutes on both axes (not read in 1-3). The
  // state types are Prefect's nine (the only ones stored), so these are all such rows.
  if (sums) {
    Where w;
    w.add("task_run.state_type IS NULL OR task_run.state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', "
          "'CANCELLING')");
    w.add("task_run.state_type = 'RUNNING' OR task_run.start_time IS NULL");
    add_whole_expected(w);
    add_whole_start(w);
    add_start_window(w);
    add_common(f, false, w);
    rows(c, axis, w, now, out);
  }
  return out;
}

}  // namespace

std::optional<Filter> recognise(const json::object& body) {
  Filter f;
  for (const auto& [k, v] : body) {
    if (v.is_null()) continue;
    if (k == "history_start" || k == "history_end" || k == "history_interval_seconds" || k == "sort" ||
        k == "limit" || k == "offset" || k == "page") {
      continue;
    }
    if (!v.is_object()) return std::nullopt;
    if (k == "task_runs") {
      if (!read_task_runs(v.as_object(), f)) return std::nullopt;
    } else if (k == "flow_runs") {
      // An empty flow-run filter still asks for task runs whose flow run is stored.
      if (!only_keys(v.as_object(), {})) return std::nullopt;
      f.in_flow_run = true;
    } else {
      return std::nullopt;
    }
  }
  return f;
}

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

}  // namespace praetor::store::task_run_rollup
