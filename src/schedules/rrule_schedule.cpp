#include "schedules/rrule_schedule.h"

#include <set>

#include "schedules/schedule_limits.h"

namespace praetor::schedules {

std::vector<core::Timestamp> rrule_dates(const RRuleSchedule& s, core::Timestamp start,
                                         std::size_t n, std::optional<core::Timestamp> end) {
  RRuleSetIterator it(s.rule);
  // Only the dates from `start` count: skip the periods well before it (a day of margin
  // covers any zone offset between the rule's wall times and UTC).
  it.skip_to(std::chrono::floor<std::chrono::seconds>(s.zone.to_local(start)) - std::chrono::days(1));
  std::size_t before_start = 0;
  std::set<core::Timestamp> dates;
  std::size_t counter = 0;
  while (auto wall = it.next()) {
    core::Timestamp t = s.zone.from_local(LocalTime(*wall), Resolve::kPostOffsetInGap);
    if (t < start) {
      // A rule skip_to cannot move (one with COUNT) may still have ~10^8 occurrences before
      // `start` (FREQ=SECONDLY;COUNT=1000000000): past kMaxOccurrencesBeforeStart it yields
      // nothing rather than hold the caller for minutes.
      if (++before_start > kMaxOccurrencesBeforeStart) break;
      continue;
    }
    if (end && t > *end) break;
    dates.insert(t);
    if (dates.size() >= n || counter > kMaxIterations) break;
    ++counter;
  }
  return {dates.begin(), dates.end()};
}

}  // namespace praetor::schedules
