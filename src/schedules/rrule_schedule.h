// RRuleSchedule: an RFC 5545 rule evaluated as Prefect's server does (schemas/schedules.py):
// the rule's wall times are read in the schedule's zone (DTSTART/UNTIL/RDATE/EXDATE keep their
// wall time whatever zone they were written in); a wall time in a DST gap takes the offset after
// the transition (02:30 on a New York spring-forward day is 01:30 EST); a repeated wall time
// takes its first occurrence; equal instants are returned once.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "schedules/rrule.h"
#include "schedules/zone.h"

namespace praetor::schedules {

struct RRuleSchedule {
  std::string rrule;
  RRuleSet rule;
  Zone zone = Zone::utc();
};

// Dates on or after `start` and, when given, not after `end`; at most `n`, ascending.
std::vector<core::Timestamp> rrule_dates(const RRuleSchedule& s, core::Timestamp start,
                                         std::size_t n, std::optional<core::Timestamp> end);

}  // namespace praetor::schedules
