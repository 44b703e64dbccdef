#include "events/recent_ids.h"

#include <gtest/gtest.h>

namespace praetor::events {
namespace {

// Verifies repeats are reported and the oldest ids are forgotten beyond the capacity.
TEST(RecentIds, RemembersABoundedWindow) {
  RecentIds ids(2);
  EXPECT_TRUE(ids.insert("a"));
  EXPECT_FALSE(ids.insert("a"));
  EXPECT_TRUE(ids.insert("b"));
  EXPECT_TRUE(ids.insert("c"));  // forgets "a"
  EXPECT_FALSE(ids.insert("b"));
  EXPECT_TRUE(ids.insert("a"));
}

}  // namespace
}  // namespace praetor::events
