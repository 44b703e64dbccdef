#include "runs/scheduled_runs.h"

#include <gtest/gtest.h>

#include "schedules/schedule_json.h"

namespace praetor::runs {
namespace {

core::Timestamp at(const char* iso) { return *core::parse_timestamp(iso); }

schedules::Schedule hourly() {
  auto s = schedules::parse_schedule(boost::json::parse(R"({"interval": 3600, "anchor_date": "2030-01-01T00:00:00Z"})"),
                                     boost::json::array{"schedule"}, at("2030-01-01T00:00:00Z"));
  return *s;
}

// Verifies generation stops once min_runs dates exist and the last reaches start + min_time.
TEST(WindowDates, StopsWhenBothMinimumsAreMet) {
  ScheduleWindow w{at("2030-01-01T00:00:00Z"), at("2030-01-02T00:00:00Z"), std::chrono::hours(2), 2, 100};
  auto dates = window_dates(hourly(), w);
  ASSERT_EQ(dates.size(), 3u);
  EXPECT_EQ(dates.back(), at("2030-01-01T02:00:00Z"));
}

// Verifies max_runs and end_time cap the dates, whichever comes first.
TEST(WindowDates, CappedByMaxRunsAndEnd) {
  ScheduleWindow w{at("2030-01-01T00:00:00Z"), at("2030-01-01T05:00:00Z"), std::chrono::hours(100), 100, 100};
  EXPECT_EQ(window_dates(hourly(), w).size(), 6u);
  w.max_runs = 4;
  EXPECT_EQ(window_dates(hourly(), w).size(), 4u);
  w.max_runs = 0;
  EXPECT_TRUE(window_dates(hourly(), w).empty());
}

// Verifies the idempotency-key date text is Python's str() of the date in the schedule's zone.
TEST(PythonStrInZone, MatchesPython) {
  const auto utc = schedules::Zone::utc();
  EXPECT_EQ(python_str_in_zone(at("2030-01-01T06:00:00Z"), utc), "2030-01-01 06:00:00+00:00");
  EXPECT_EQ(python_str_in_zone(at("2030-01-01T06:00:00.25Z"), utc), "2030-01-01 06:00:00.250000+00:00");
  // The values Prefect 3.9.1's scheduler put in its keys for these zones.
  EXPECT_EQ(python_str_in_zone(at("2026-11-29T14:00:00Z"), *schedules::Zone::find("America/New_York")),
            "2026-11-29 09:00:00-05:00");
  EXPECT_EQ(python_str_in_zone(at("2026-11-29T04:30:00Z"), *schedules::Zone::find("Asia/Kolkata")),
            "2026-11-29 10:00:00+05:30");
  EXPECT_EQ(python_str_in_zone(at("2026-07-01T12:00:00Z"), *schedules::Zone::find("America/New_York")),
            "2026-07-01 08:00:00-04:00");
}

}  // namespace
}  // namespace praetor::runs
