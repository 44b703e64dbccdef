#include "schedules/cron_schedule.h"

#include <set>

#include "schedules/schedule_limits.h"

namespace praetor::schedules {

namespace {

using core::Timestamp;
using std::chrono::microseconds;
using std::chrono::seconds;

// Successive matching wall times after a starting wall time, localised, optionally bounded
// above by a wall time.
class CandidateStream {
 public:
  CandidateStream(const CronSchedule& s, LocalTime after, std::optional<LocalTime> below)
      : s_(s), cursor_(after), below_(below) {
    advance();
  }
  bool done() const { return !head_; }
  Timestamp head() const { return *head_; }
  void advance() {
    head_.reset();
    std::optional<LocalTime> wall = s_.expression.next_after(cursor_, s_.day_or);
    if (!wall || (below_ && *wall >= *below_)) return;
    cursor_ = *wall;
    head_ = s_.zone.from_local(*wall, Resolve::kCompatible);
  }

 private:
  const CronSchedule& s_;
  LocalTime cursor_;
  std::optional<LocalTime> below_;
  std::optional<Timestamp> head_;
};

}  // namespace

std::vector<Timestamp> cron_dates(const CronSchedule& s, Timestamp start, std::size_t n,
                                  std::optional<Timestamp> end) {
  const Zone& zone = s.zone;
  const LocalTime local_start = zone.to_local(start);
  LocalTime start_wall = local_start - seconds(1);
  if (local_start.time_since_epoch() % seconds(1) != microseconds(0)) start_wall += seconds(1);

  std::optional<Timestamp> transition = zone.previous_transition(start + seconds(1));
  seconds gap(0);
  if (transition) {
    gap = zone.offset_at(*transition) - zone.offset_at(*transition - seconds(1));
    auto since = start - *transition;
    if (since >= microseconds(0) && since < -gap) {
      // Inside the repeated hour: the repeated wall times resolve to their first occurrence,
      // before `start`, so the search begins where the repetition ends.
      LocalTime fold_end = zone.to_local(*transition) - gap;
      start_wall = fold_end - seconds(1);
    }
  }

  CandidateStream main(s, start_wall, std::nullopt);
  std::optional<CandidateStream> shifted;
  if (transition) {
    auto since = start - *transition;
    if (since >= microseconds(0) && since < gap) {
      // Just after a gap: wall times inside the gap are shifted past it and may still lie
      // after `start`.
      shifted.emplace(s, start_wall - gap, zone.to_local(*transition));
    }
  }

  std::set<Timestamp> dates;
  for (std::size_t examined = 0; examined < kMaxIterations + 2; ++examined) {
    CandidateStream* source = nullptr;
    if (shifted && !shifted->done()) source = &*shifted;
    if (!main.done() && (!source || main.head() < source->head())) source = &main;
    if (!source) break;
    Timestamp next = source->head();
    source->advance();
    if (end && next > *end) break;
    if (next >= start) dates.insert(next);
    if (dates.size() >= n) break;
  }
  return {dates.begin(), dates.end()};
}

}  // namespace praetor::schedules
