#include "schedules/rrule_schedule.h"

#include <set>

#include "schedules/schedule_limits.h"

namespace praetor::schedules {

std::vector<core::Timestamp> rrule_dates(const RRuleSchedule& s, core::Timestamp start,
                                         std::size_t n, std::optional<core::Timestamp> end) {
  RRuleSetIterator it(s.rule);
  std::set<core::Timestamp> dates;
  std::size_t counter = 0;
  while (auto wall = it.next()) {
    core::Timestamp t = s.zone.from_local(LocalTime(*wall), Resolve::kPostOffsetInGap);
    if (t < start) continue;
    if (end && t > *end) break;
    dates.insert(t);
    if (dates.size() >= n || counter > kMaxIterations) break;
    ++counter;
  }
  return {dates.begin(), dates.end()};
}

}  // namespace praetor::schedules
