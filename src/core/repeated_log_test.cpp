#include "core/repeated_log.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

using namespace std::chrono_literals;

TEST(RepeatedLog, WritesTheFirstCountsRepeatsAndWritesAgainAfterTheWindow) {
  RepeatedLog log(10s);
  auto t0 = RepeatedLog::Clock::time_point{} + 1h;
  EXPECT_TRUE(log.log(spdlog::level::err, "database down", t0));
  for (int i = 1; i <= 100; ++i) EXPECT_FALSE(log.log(spdlog::level::err, "database down", t0 + i * 50ms));
  EXPECT_TRUE(log.log(spdlog::level::err, "database down", t0 + 10s));
  EXPECT_FALSE(log.log(spdlog::level::err, "database down", t0 + 11s));
}

TEST(RepeatedLog, DistinctMessagesAreIndependent) {
  RepeatedLog log(10s);
  auto t0 = RepeatedLog::Clock::time_point{} + 1h;
  EXPECT_TRUE(log.log(spdlog::level::err, "a", t0));
  EXPECT_TRUE(log.log(spdlog::level::err, "b", t0));
  EXPECT_FALSE(log.log(spdlog::level::err, "a", t0 + 1s));
}

TEST(RepeatedLog, ManyDistinctMessagesStayBounded) {
  RepeatedLog log(10s, 4);
  auto t0 = RepeatedLog::Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(log.log(spdlog::level::err, "m" + std::to_string(i), t0));
  // The table was cleared on overflow, so an old message is written again rather than lost.
  EXPECT_TRUE(log.log(spdlog::level::err, "m0", t0 + 1s));
}

}  // namespace
}  // namespace praetor::core
