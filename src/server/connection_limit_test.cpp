#include "server/connection_limit.h"

#include <gtest/gtest.h>

namespace praetor::server {
namespace {

using namespace std::chrono_literals;

TEST(ConnectionLimit, SlotsCountOpenConnectionsUntilDestroyedOrMoved) {
  ConnectionLimit limit(2);
  {
    auto a = limit.take();
    auto b = limit.take();
    EXPECT_TRUE(limit.full());
    ConnectionLimit::Slot moved = std::move(b);  // an upgrade hands the slot on
    EXPECT_EQ(limit.open(), 2);
  }
  EXPECT_EQ(limit.open(), 0);
  EXPECT_FALSE(limit.full());
}

TEST(ConnectionLimit, ClosesTheLongestWaitingFirstAndOnlyThoseWaitingLongEnough) {
  ConnectionLimit limit(10);
  auto t0 = ConnectionLimit::Clock::time_point{} + 1h;
  std::vector<int> closed;
  auto first = limit.waiting([&] { closed.push_back(1); }, t0);
  auto second = limit.waiting([&] { closed.push_back(2); }, t0 + 1s);
  auto third = limit.waiting([&] { closed.push_back(3); }, t0 + 5s);
  EXPECT_EQ(limit.close_longest_idle(5, 2s, t0 + 5s), 2);
  EXPECT_EQ(closed, (std::vector<int>{1, 2}));
  EXPECT_EQ(limit.close_longest_idle(5, 2s, t0 + 5s), 0);  // the third waited too little
}

TEST(ConnectionLimit, ATicketReleasedBeforeTheScanIsNotClosed) {
  ConnectionLimit limit(10);
  auto t0 = ConnectionLimit::Clock::time_point{} + 1h;
  bool closed = false;
  {
    auto ticket = limit.waiting([&] { closed = true; }, t0);
  }  // the request arrived
  EXPECT_EQ(limit.close_longest_idle(5, 0s, t0 + 10s), 0);
  EXPECT_FALSE(closed);
}

TEST(ConnectionLimit, DefaultCapLeavesAReserveBelowTheDescriptorLimit) {
  EXPECT_GE(default_connection_cap(), 16);
}

}  // namespace
}  // namespace praetor::server
