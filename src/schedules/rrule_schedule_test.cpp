#include "schedules/rrule_schedule.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "schedules/rrule.h"

namespace praetor::schedules {
namespace {

// 2024-03-09T12:00:00Z
const core::Timestamp kStart = core::from_micros(1'709'985'600'000'000);

// Every occurrence from `start` on (at most n), by stepping from DTSTART without skipping.
std::vector<core::Timestamp> stepped_dates(const RRuleSchedule& s, core::Timestamp start, std::size_t n) {
  RRuleSetIterator it(s.rule);
  std::set<core::Timestamp> out;
  while (auto wall = it.next()) {
    core::Timestamp t = s.zone.from_local(LocalTime(*wall), Resolve::kPostOffsetInGap);
    if (t < start) continue;
    out.insert(t);
    if (out.size() >= n) break;
  }
  return {out.begin(), out.end()};
}

RRuleSchedule schedule(const char* text, const char* zone) {
  auto rule = parse_rrule_set(text);
  EXPECT_TRUE(rule) << text;
  return RRuleSchedule{text, *rule, *Zone::find(zone)};
}

// Verifies the sub-daily rules' skip to the window gives the dates stepping from DTSTART
// gives, filters, intervals, exclusions and DST included.
TEST(RRuleSchedule, SkippingToTheWindowMatchesSteppingFromDtstart) {
  for (const char* text : {"DTSTART:20240301T000017\nRRULE:FREQ=SECONDLY;INTERVAL=305",
                           "DTSTART:20240301T000017\nRRULE:FREQ=SECONDLY;INTERVAL=7;BYMINUTE=3,59;BYHOUR=1,12,13",
                           "DTSTART:20240201T013000\nRRULE:FREQ=MINUTELY;INTERVAL=13;BYHOUR=2,3,12;BYDAY=SA,SU",
                           "DTSTART:20230101T000000\nRRULE:FREQ=HOURLY;INTERVAL=7;BYMINUTE=5,50",
                           "DTSTART:20240301T000000\nRRULE:FREQ=MINUTELY;INTERVAL=11\nEXRULE:FREQ=HOURLY;BYMINUTE=0,11",
                           "DTSTART:20240301T000000\nRRULE:FREQ=HOURLY;UNTIL=20240309T000000",
                           "DTSTART:20240301T000000\nRRULE:FREQ=MINUTELY;INTERVAL=90;COUNT=200"}) {
    for (const char* zone : {"UTC", "America/New_York"}) {
      SCOPED_TRACE(std::string(text) + " in " + zone);
      RRuleSchedule s = schedule(text, zone);
      EXPECT_EQ(rrule_dates(s, kStart, 50, std::nullopt), stepped_dates(s, kStart, 50));
    }
  }
}

// Verifies a SECONDLY rule from Prefect's default DTSTART (2020) expands in well under a
// second: the fuzzer's `FREQ=SECONDLY;INTERVAL=305` stepped through ~10^6 periods per call.
TEST(RRuleSchedule, SecondlyRuleFromDefaultDtstartIsQuick) {
  RRuleSchedule s = schedule("FREQ=SECONDLY;INTERVAL=305", "UTC");
  auto t0 = std::chrono::steady_clock::now();
  auto dates = rrule_dates(s, kStart, 5, std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  ASSERT_EQ(dates.size(), 5u);
  EXPECT_GE(dates.front(), kStart);
  EXPECT_EQ(dates[1] - dates[0], std::chrono::seconds(305));
}

}  // namespace
}  // namespace praetor::schedules
