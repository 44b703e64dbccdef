#include "schedules/cron_expression.h"

#include <gtest/gtest.h>

namespace praetor::schedules {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

LocalTime at(int y, unsigned m, unsigned d, int h = 0, int mi = 0) {
  return LocalTime(date::local_days(date::year(y) / m / d) + hours(h) + minutes(mi));
}

// Verifies that croniter's syntax is accepted and its rejections are rejected.
TEST(CronExpression, AcceptsAndRejectsAsCroniter) {
  for (const char* ok : {"* * * * *", "*/5 * * * *", "0 9 * * mon-fri", "0 0 L * *", "0 0 * * 5#3",
                         "0 0 * * L5", "@daily", "@HOURLY", "0 0 1 jan,jul *", "0 0 * * 7",
                         "0 0 * * fri-mon", "0 0 ? * *", "*/10 * * * * 30", "0 0 1 1 * 0 2030",
                         "10/15 * * * *", "0 0 * * MON#2"}) {
    EXPECT_TRUE(CronExpression::parse(ok).ok()) << ok;
  }
  for (const char* bad : {"", "* * * *", "* * * * * * * *", "60 * * * *", "* 24 * * *",
                          "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * * 8", "H * * * *",
                          "R * * * *", "*/0 * * * *", "* * * * 1#6", "* * * * mon,2#1",
                          "-1 * * * *", "0 0 L5 * *", "? * * * *", "a b c d e", "1,,2 * * * *"}) {
    EXPECT_FALSE(CronExpression::parse(bad).ok()) << bad;
  }
}

// Verifies day-of-month/day-of-week union (day_or) and intersection.
TEST(CronExpression, DayOrUnionAndIntersection) {
  auto e = CronExpression::parse("0 0 13 * 5").value();
  // 2026-02-06 is a Friday; 2026-02-13 is a Friday the 13th.
  EXPECT_EQ(*e.next_after(at(2026, 2, 1), true), at(2026, 2, 6));
  EXPECT_EQ(*e.next_after(at(2026, 2, 1), false), at(2026, 2, 13));
  EXPECT_EQ(*e.next_after(at(2026, 2, 13), false), at(2026, 3, 13));
}

// Verifies L, nth weekday and the impossible date.
TEST(CronExpression, SpecialDays) {
  EXPECT_EQ(*CronExpression::parse("30 2 L * *")->next_after(at(2024, 2, 1), true), at(2024, 2, 29, 2, 30));
  EXPECT_EQ(*CronExpression::parse("0 0 * * 1#2")->next_after(at(2026, 3, 1), true), at(2026, 3, 9));
  EXPECT_EQ(*CronExpression::parse("0 0 * * L5")->next_after(at(2026, 3, 1), true), at(2026, 3, 27));
  EXPECT_FALSE(CronExpression::parse("0 0 30 2 *")->next_after(at(2026, 1, 1), true).has_value());
}

}  // namespace
}  // namespace praetor::schedules
