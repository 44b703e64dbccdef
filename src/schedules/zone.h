// Named IANA time zones (system tzdb) and the conversions between UTC instants and local wall
// times that the three schedule kinds need. Each Python library Prefect relies on resolves a
// wall time that falls in a DST gap or overlap its own way; `Resolve` names those policies.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "core/timestamp.h"

namespace praetor::schedules {

// A wall-clock time with microsecond precision, not tied to a zone.
using LocalTime = date::local_time<std::chrono::microseconds>;

enum class Resolve {
  // `whenever` "compatible" (RFC 5545): a gap time moves forward by the gap; an overlap
  // takes the earlier instant. Used by CronSchedule.
  kCompatible,
  // pendulum's create(fold=1): a gap time moves forward by the gap; an overlap takes the
  // later instant. Used by IntervalSchedule on Python < 3.13 (Prefect's server runtime).
  kLater,
  // dateutil tz with fold=0: a gap time is read with the offset after the transition (so it
  // lands before the gap); an overlap takes the earlier instant. Used by RRuleSchedule.
  kPostOffsetInGap,
};

class Zone {
 public:
  // nullopt when `name` is not a zone of the system tzdb.
  static std::optional<Zone> find(std::string_view name);
  static Zone utc();

  const std::string& name() const { return name_; }
  LocalTime to_local(core::Timestamp t) const;
  core::Timestamp from_local(LocalTime local, Resolve how) const;
  // UTC offset in effect at `t`.
  std::chrono::seconds offset_at(core::Timestamp t) const;
  // The latest offset change at or before `t` (changes that keep the offset are skipped).
  std::optional<core::Timestamp> previous_transition(core::Timestamp t) const;
  // The first offset change after `t`, if any.
  std::optional<core::Timestamp> next_transition(core::Timestamp t) const;

 private:
  Zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}
  const date::time_zone* tz_;
  std::string name_;
};

// True when `name` is an IANA zone name Prefect accepts (present in the tzdb).
bool is_known_zone(std::string_view name);

}  // namespace praetor::schedules
