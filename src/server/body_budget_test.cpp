#include "server/body_budget.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace praetor::server {
namespace {

// Verifies reservations within the budget are granted at once, the next one waits until
// bytes come back, waiters are granted in arrival order, and a body larger than the whole
// budget is let through alone.
TEST(BodyBudget, GrantsWithinCapacityAndQueuesTheRestInOrder) {
  BodyBudget budget(100);
  std::vector<BodyBudget::Grant> held;
  std::vector<int> order;
  budget.reserve(60, [&](BodyBudget::Grant g) { held.push_back(std::move(g)); order.push_back(1); });
  budget.reserve(40, [&](BodyBudget::Grant g) { held.push_back(std::move(g)); order.push_back(2); });
  EXPECT_EQ(budget.held(), 100u);

  std::optional<BodyBudget::Grant> third, fourth, huge;
  budget.reserve(50, [&](BodyBudget::Grant g) { third = std::move(g); order.push_back(3); });
  budget.reserve(10, [&](BodyBudget::Grant g) { fourth = std::move(g); order.push_back(4); });  // behind the 50
  EXPECT_FALSE(third);
  EXPECT_FALSE(fourth);
  EXPECT_EQ(budget.waiting(), 2u);

  held[1].reset();  // 40 back: 60 held, the 50 still does not fit, the 10 waits behind it
  EXPECT_FALSE(third);
  EXPECT_FALSE(fourth);
  held[0].reset();  // all back: the 50 and then the 10 fit
  ASSERT_TRUE(third);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(budget.held(), 60u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));

  budget.reserve(1000, [&](BodyBudget::Grant g) { huge = std::move(g); });
  EXPECT_FALSE(huge);
  third->reset();
  fourth->reset();
  ASSERT_TRUE(huge);  // alone, over the capacity
  EXPECT_EQ(budget.held(), 1000u);
  huge->reset();
  EXPECT_EQ(budget.held(), 0u);
  EXPECT_EQ(budget.waiting(), 0u);
}

// Verifies try_reserve never waits: it grants what fits, refuses what does not (and anything
// while a reservation waits, so nobody jumps the queue), and lets a caller that holds all
// that is held grow past the capacity, as one body alone may.
TEST(BodyBudget, TryReserveGrantsWithoutWaiting) {
  BodyBudget budget(100);
  auto a = budget.try_reserve(70);
  ASSERT_TRUE(a);
  EXPECT_FALSE(budget.try_reserve(40));  // 110 > 100, and the caller holds none of the 70
  auto b = budget.try_reserve(30);
  ASSERT_TRUE(b);
  b->reset();
  auto grown = budget.try_reserve(500, 70);  // the holder of all 70 grows alone
  ASSERT_TRUE(grown);
  EXPECT_EQ(budget.held(), 570u);
  std::optional<BodyBudget::Grant> waiter;
  budget.reserve(10, [&](BodyBudget::Grant g) { waiter = std::move(g); });
  EXPECT_FALSE(waiter);
  EXPECT_FALSE(budget.try_reserve(1, 570));  // someone waits
  a->reset();
  grown->reset();
  ASSERT_TRUE(waiter);
  EXPECT_EQ(budget.held(), 10u);
}

}  // namespace
}  // namespace praetor::server
