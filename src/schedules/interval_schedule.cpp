#include "schedules/interval_schedule.h"

#include <algorithm>
#include <map>

#include "schedules/schedule_limits.h"

namespace praetor::schedules {

namespace {

using std::chrono::days;
using std::chrono::microseconds;
using core::Timestamp;

// pendulum's DateTime.add(days=, seconds=): with days the sum is taken in wall time and the
// result re-localised (fold=1); without days the seconds are elapsed time.
Timestamp add(const Zone& zone, Timestamp t, int64_t whole_days, microseconds rest) {
  if (whole_days == 0) return t + rest;
  LocalTime local = zone.to_local(t) + days(whole_days) + rest;
  return zone.from_local(local, Resolve::kLater);
}

int64_t local_day_number(const Zone& zone, Timestamp t) {
  return std::chrono::floor<days>(zone.to_local(t)).time_since_epoch().count();
}

}  // namespace

std::vector<Timestamp> interval_dates(const IntervalSchedule& s, Timestamp start, std::size_t n,
                                      std::optional<Timestamp> end) {
  const Zone& zone = s.zone;
  const Timestamp anchor = s.anchor_date;
  const int64_t interval_days = s.interval / days(1);
  const microseconds interval_rest = s.interval - days(interval_days);
  const bool pure_days = interval_days != 0 && interval_rest == microseconds(0);

  auto jump = [&](int64_t k) {
    if (interval_days == 0 || interval_rest == microseconds(0)) {
      return add(zone, anchor, interval_days * k, interval_rest * k);
    }
    return anchor + s.interval * k;
  };

  // pendulum datetimes in one zone compare, hash and sort by wall time (fold ignored), so
  // Prefect's comparisons below are on wall times: a repeated wall time counts once.
  auto wall = [&](Timestamp t) { return zone.to_local(t); };
  const LocalTime start_wall = wall(start);

  int64_t offset = 0;
  Timestamp next;
  if (start_wall >= wall(anchor) && pure_days && zone.name() != "UTC") {
    // A skipped local time changes the hour of every later occurrence, so the series is
    // replayed from the anchor; it jumps only within stretches free of offset changes, which
    // gives the same dates as stepping one interval at a time.
    Timestamp current = anchor;
    while (current < start) {
      Timestamp boundary = start;
      if (auto t = zone.next_transition(current); t && *t < start) boundary = *t;
      int64_t distance = local_day_number(zone, boundary) - local_day_number(zone, current);
      int64_t count = std::max<int64_t>(1, distance / interval_days - 1);
      current = add(zone, current, interval_days * count, microseconds(0));
    }
    next = current;
  } else {
    double elapsed = static_cast<double>((start - anchor).count()) / 1e6;
    double step = static_cast<double>(s.interval.count()) / 1e6;
    offset = static_cast<int64_t>(elapsed / step);  // truncates toward zero, as int()
    next = jump(offset);
    // Elapsed-time estimates overshoot when a DST change lies between anchor and start.
    while (wall(next) > start_wall) next = jump(--offset);
  }

  const bool before_anchor_days = start_wall < wall(anchor) && pure_days;
  auto advance = [&](Timestamp t) {
    if (before_anchor_days && offset < 0) return jump(++offset);
    return add(zone, t, interval_days, interval_rest);
  };

  while (wall(next) < start_wall) next = advance(next);

  const std::optional<LocalTime> end_wall = end ? std::optional(wall(*end)) : std::nullopt;
  std::map<LocalTime, Timestamp> dates;  // by wall time, Prefect's order
  for (std::size_t counter = 0;; ++counter) {
    const LocalTime next_wall = wall(next);
    if (end_wall && next_wall > *end_wall) break;
    dates.emplace(next_wall, next);
    if (dates.size() >= n || counter > kMaxIterations) break;
    next = advance(next);
  }
  std::vector<Timestamp> out;
  for (const auto& [_, t] : dates) out.push_back(t);
  return out;
}

}  // namespace praetor::schedules
