// Limits shared by the schedule kinds, mirroring Prefect's server schedules.
#pragma once

#include <cstddef>

namespace praetor::schedules {

// Prefect's MAX_ITERATIONS: candidates examined per get_dates call beyond the ones returned.
inline constexpr std::size_t kMaxIterations = 1000;

// Occurrences of an rrule before the window that one expansion reads at most (Praetor's own
// bound: dateutil would read them all, for minutes).
inline constexpr std::size_t kMaxOccurrencesBeforeStart = 1'000'000;

// Prefect's MAX_RRULE_LENGTH: the longest rrule string accepted (about a year of RDATEs).
inline constexpr std::size_t kMaxRRuleLength = 6500;

}  // namespace praetor::schedules
