#include "metrics/metric.h"

#include <thread>

#include <gtest/gtest.h>

namespace praetor::metrics {
namespace {

// Verifies that concurrent increments are all counted (no lost updates without a lock).
TEST(Counter, ConcurrentIncrementsAddUp) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
}

// Verifies that a value on a bound falls into that bound's bucket (Prometheus's "le") and
// that the snapshot is cumulative with +Inf equal to the count.
TEST(Histogram, BucketsAreLessOrEqualAndCumulative) {
  Histogram h({0.1, 1, 10});
  h.observe(0.05);
  h.observe(0.1);
  h.observe(0.5);
  h.observe(100);
  auto s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[2], 3u);
  EXPECT_EQ(s.cumulative[3], 4u);
  EXPECT_DOUBLE_EQ(s.sum, 100.65);
}

// Verifies that bounds given out of order are sorted.
TEST(Histogram, SortsItsBounds) {
  Histogram h({5, 1});
  h.observe(2);
  auto s = h.snapshot();
  EXPECT_EQ(s.bounds, (std::vector<double>{1, 5}));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 1, 1}));
}

TEST(Buckets, Exponential) {
  EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  auto latency = latency_buckets();
  EXPECT_TRUE(std::is_sorted(latency.begin(), latency.end()));
}

}  // namespace
}  // namespace praetor::metrics
