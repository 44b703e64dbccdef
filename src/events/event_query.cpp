#include "events/event_query.h"

#include <cmath>
#include <map>

#include "core/json_util.h"

namespace praetor::events {

namespace json = boost::json;
using store::SqlValue;

namespace {

// 2024-04-01T00:00:00Z, Prefect's bucket pivot (counting.py).
constexpr int64_t kPivotMicros = 1'711'929'600'000'000;

void bind_params(store::Statement& st, const std::vector<SqlValue>& params) {
  int i = 1;
  for (const auto& p : params) {
    std::visit([&](const auto& v) { st.bind(i, v); }, p);
    ++i;
  }
}

json::object parse_doc(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

int64_t unit_micros(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kWeek:
      return 7LL * 86'400'000'000LL;
    case TimeUnit::kDay:
      return 86'400'000'000LL;
    case TimeUnit::kHour:
      return 3'600'000'000LL;
    case TimeUnit::kMinute:
      return 60'000'000LL;
    case TimeUnit::kSecond:
      return 1'000'000LL;
  }
  return 1'000'000LL;
}

// The end of the period containing `now` (Prefect's end_of_period): the last microsecond
// of the current second/minute/hour/day, or of the current ISO week (ending Sunday).
int64_t end_of_period(int64_t now_us, TimeUnit unit) {
  constexpr int64_t kDay = 86'400'000'000LL;
  if (unit == TimeUnit::kWeek) {
    // 1970-01-01 was a Thursday; weeks start on Monday.
    int64_t day = now_us >= 0 ? now_us / kDay : (now_us - kDay + 1) / kDay;
    int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 0 = Monday
    return (day - weekday + 7) * kDay - 1;
  }
  int64_t u = unit_micros(unit);
  int64_t floor = now_us >= 0 ? now_us / u : (now_us - u + 1) / u;
  return (floor + 1) * u - 1;
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

core::Result<json::array> count_by_time(store::Connection& c, const EventFilter& f, const store::SqlCondition& where,
                                        int64_t delta, TimeUnit unit, core::Timestamp now) {
  int64_t since = core::to_micros(f.since), until = core::to_micros(f.until);
  if (delta <= 0) return core::Error::invalid("The minimum interval is 0.01");
  int64_t buckets = static_cast<int64_t>(std::ceil(static_cast<double>(until - since) / static_cast<double>(delta)));
  if (buckets > 1000) {
    return core::Error::invalid("The given interval would create " + std::to_string(buckets) +
                                " buckets, which is too many. Please increase the interval or reduce the time range "
                                "to produce 1000 buckets or fewer.");
  }
  int64_t end = until;
  if (end > core::to_micros(now)) end = end_of_period(core::to_micros(now), unit);
  int64_t first = floor_div(since - kPivotMicros, delta);

  std::map<int64_t, int64_t> counts;
  auto& st = c.prepare("SELECT (e.occurred - ?) / ? - (CASE WHEN (e.occurred - ?) % ? < 0 THEN 1 ELSE 0 END) AS bucket, count(*) FROM event e WHERE " +
                       where.sql + " GROUP BY bucket");
  std::vector<SqlValue> params{kPivotMicros, delta, kPivotMicros, delta};
  params.insert(params.end(), where.params.begin(), where.params.end());
  bind_params(st, params);
  while (st.step()) counts[st.column_int(0)] = st.column_int(1);
  st.reset();

  json::array out;
  int64_t index = 0;
  for (int64_t start = kPivotMicros + delta * first; start < end; start += delta, ++index) {
    int64_t bucket = first + index;
    auto it = counts.find(bucket);
    out.push_back(json::object{{"value", std::to_string(index)},
                               {"label", core::format_timestamp_offset(core::from_micros(start))},
                               {"count", it == counts.end() ? 0 : it->second},
                               {"start_time", core::format_timestamp(core::from_micros(start))},
                               {"end_time", core::format_timestamp(core::from_micros(start + delta - 1))}});
  }
  return out;
}

}  // namespace

std::vector<json::object> read_events(store::Connection& c, const EventFilter& f, int64_t limit, int64_t offset) {
  auto where = to_sql(f);
  const char* dir = f.ascending ? "ASC" : "DESC";
  auto& st = c.prepare("SELECT e.doc FROM event e WHERE " + where.sql + " ORDER BY e.occurred " + dir + ", e.id " +
                       dir + " LIMIT ? OFFSET ?");
  auto params = where.params;
  params.emplace_back(limit);
  params.emplace_back(offset);
  bind_params(st, params);
  std::vector<json::object> out;
  while (st.step()) out.push_back(parse_doc(st.column_text(0)));
  st.reset();
  return out;
}

EventPage read_events_page(store::Connection& c, const EventFilter& f, int64_t limit,
                           const std::optional<EventCursor>& after) {
  auto where = to_sql(f);
  const char* dir = f.ascending ? "ASC" : "DESC";
  std::string sql = "SELECT e.occurred, e.id, e.doc FROM event e WHERE " + where.sql;
  auto params = where.params;
  if (after) {
    sql += f.ascending ? " AND (e.occurred > ? OR (e.occurred = ? AND e.id > ?))"
                       : " AND (e.occurred < ? OR (e.occurred = ? AND e.id < ?))";
    params.emplace_back(after->occurred);
    params.emplace_back(after->occurred);
    params.emplace_back(after->id);
  }
  auto& st = c.prepare(sql + " ORDER BY e.occurred " + dir + ", e.id " + dir + " LIMIT ?");
  params.emplace_back(limit);
  bind_params(st, params);
  EventPage page;
  while (st.step()) {
    page.last = EventCursor{st.column_int(0), st.column_text(1)};
    page.events.push_back(parse_doc(st.column_text(2)));
  }
  st.reset();
  return page;
}

int64_t count_events(store::Connection& c, const EventFilter& f) {
  auto where = to_sql(f);
  auto& st = c.prepare("SELECT count(*) FROM event e WHERE " + where.sql);
  bind_params(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

std::optional<Countable> parse_countable(std::string_view s) {
  if (s == "day") return Countable::kDay;
  if (s == "time") return Countable::kTime;
  if (s == "event") return Countable::kEvent;
  if (s == "resource") return Countable::kResource;
  return std::nullopt;
}

std::optional<TimeUnit> parse_time_unit(std::string_view s) {
  if (s == "week") return TimeUnit::kWeek;
  if (s == "day") return TimeUnit::kDay;
  if (s == "hour") return TimeUnit::kHour;
  if (s == "minute") return TimeUnit::kMinute;
  if (s == "second") return TimeUnit::kSecond;
  return std::nullopt;
}

core::Result<json::array> count_events_by(store::Connection& c, const EventFilter& f, Countable countable,
                                          TimeUnit unit, double interval, core::Timestamp now) {
  auto where = to_sql(f);
  if (countable == Countable::kDay) return count_by_time(c, f, where, unit_micros(TimeUnit::kDay), TimeUnit::kDay, now);
  if (countable == Countable::kTime) {
    if (interval < 0.01) return core::Error::invalid("The minimum interval is 0.01");
    auto delta = static_cast<int64_t>(std::llround(static_cast<double>(unit_micros(unit)) * interval));
    return count_by_time(c, f, where, delta, unit, now);
  }
  // The label is the one on the latest event of each value, as Prefect re-labels buckets.
  std::string value = countable == Countable::kEvent ? "e.event" : "e.resource_id";
  std::string label = countable == Countable::kEvent
                          ? "e.event"
                          : "coalesce(json_extract(e.doc, '$.resource.\"prefect.resource.name\"'), "
                            "json_extract(e.doc, '$.resource.\"prefect.name\"'), e.resource_id)";
  auto& st = c.prepare("SELECT value, label, count(*) AS n, min(occurred), max(occurred) FROM (SELECT " + value +
                       " AS value, first_value(" + label + ") OVER (PARTITION BY " + value +
                       " ORDER BY e.occurred DESC) AS label, e.occurred AS occurred FROM event e WHERE " + where.sql +
                       ") AS labelled GROUP BY value, label ORDER BY n DESC, label ASC");
  bind_params(st, where.params);
  json::array out;
  while (st.step()) {
    out.push_back(json::object{{"value", st.column_text(0)},
                               {"label", st.column_text(1)},
                               {"count", st.column_int(2)},
                               {"start_time", core::format_timestamp(core::from_micros(st.column_int(3)))},
                               {"end_time", core::format_timestamp(core::from_micros(st.column_int(4)))}});
  }
  st.reset();
  return out;
}

}  // namespace praetor::events
