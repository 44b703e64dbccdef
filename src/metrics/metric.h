// Prometheus metric values: counters, gauges and histograms, updated with atomics from any
// thread without a lock. Families (registry.h) own them and name them; these hold numbers only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace praetor::metrics {

// Only goes up (Prometheus counter): requests served, events received.
class Counter {
 public:
  void inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Goes up and down, or is set at scrape time: queue depth, subscribers, runs in a state.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit).
// A reader sees per-bucket counts that may trail a concurrent observe() by one; the
// count it reports is the sum of those buckets, so the exposition stays consistent.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Bucket bounds: seconds of an HTTP request or a database commit (1 ms … 10 s).
std::vector<double> latency_buckets();
// `count` bounds from `start`, each `factor` times the previous.
std::vector<double> exponential_buckets(double start, double factor, int count);

}  // namespace praetor::metrics
