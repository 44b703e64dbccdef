#include "schedules/schedule.h"

#include "schedules/schedule_limits.h"

namespace praetor::schedules {

std::vector<core::Timestamp> next_dates(const Schedule& schedule, core::Timestamp start,
                                        std::optional<std::size_t> n,
                                        std::optional<core::Timestamp> end) {
  const std::size_t limit = n.value_or(end ? kMaxIterations : 1);
  struct Visitor {
    core::Timestamp start;
    std::size_t limit;
    std::optional<core::Timestamp> end;
    std::vector<core::Timestamp> operator()(const IntervalSchedule& s) const {
      return interval_dates(s, start, limit, end);
    }
    std::vector<core::Timestamp> operator()(const CronSchedule& s) const {
      return cron_dates(s, start, limit, end);
    }
    std::vector<core::Timestamp> operator()(const RRuleSchedule& s) const {
      return rrule_dates(s, start, limit, end);
    }
  };
  return std::visit(Visitor{start, limit, end}, schedule);
}

}  // namespace praetor::schedules
