#include "services/service_runner.h"

#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace praetor::services {
namespace {

class CountingService final : public Service {
 public:
  explicit CountingService(std::atomic<int>& passes) : passes_(passes) {}
  std::string_view name() const override { return "counting"; }
  std::chrono::microseconds interval() const override { return std::chrono::milliseconds(1); }
  void run_once() override { ++passes_; }

 private:
  std::atomic<int>& passes_;
};

// A lease another replica holds until `free` turns true; counts the runner's attempts.
class SwitchLease final : public store::ServiceLease {
 public:
  SwitchLease(std::atomic<bool>& free, std::atomic<int>& attempts, std::atomic<int>& released)
      : free_(free), attempts_(attempts), released_(released) {}
  bool acquire() override {
    ++attempts_;
    return free_.load();
  }
  void release() override { ++released_; }

 private:
  std::atomic<bool>& free_;
  std::atomic<int>& attempts_;
  std::atomic<int>& released_;
};

class SwitchLeases final : public store::LeaseProvider {
 public:
  std::unique_ptr<store::ServiceLease> lease(std::string_view) override {
    return std::make_unique<SwitchLease>(free, attempts, released);
  }
  std::atomic<bool> free{false};
  std::atomic<int> attempts{0};
  std::atomic<int> released{0};
};

// Verifies a service runs no pass while another replica holds its lease, runs once the
// lease is taken, and gives the lease up when the runner stops.
TEST(ServiceRunner, RunsOnlyWhileHoldingTheLease) {
  SwitchLeases leases;
  std::atomic<int> passes{0};
  ServiceRunner runner(&leases);
  runner.add(std::make_unique<CountingService>(passes));
  runner.start();
  // Standby: the runner's thread has asked for the lease (so it did run) and was refused.
  // (Bounded, so a runner whose thread never starts fails here rather than hanging.)
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (leases.attempts.load() < 1 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  ASSERT_GE(leases.attempts.load(), 1);
  EXPECT_EQ(passes.load(), 0);
  runner.stop();
  EXPECT_EQ(leases.released.load(), 1);

  leases.free = true;
  ServiceRunner holder(&leases);
  holder.add(std::make_unique<CountingService>(passes));
  holder.start();
  while (passes.load() < 3) std::this_thread::yield();
  holder.stop();
  EXPECT_EQ(leases.released.load(), 2);
}

}  // namespace
}  // namespace praetor::services

namespace praetor::services {
namespace {

// Fails every pass: once by an error it logs, once by throwing.
class FailingService final : public Service {
 public:
  explicit FailingService(std::atomic<int>& passes) : passes_(passes) {}
  std::string_view name() const override { return "failing-for-metrics"; }
  std::chrono::microseconds interval() const override { return std::chrono::milliseconds(1); }
  void run_once() override {
    ++passes_;
    log_pass_error(name(), "database unavailable");
    throw std::runtime_error("bug");
  }

 private:
  std::atomic<int>& passes_;
};

double sample(const std::string& text, const std::string& series) {
  auto at = text.find(series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 1));
}

// Verifies the runner times every pass into praetor_service_pass_duration_seconds and that
// both kinds of failure (a logged error, an exception) count in
// praetor_service_pass_errors_total, labelled with the service's name.
TEST(ServiceRunner, PassesAndErrorsAreMetrics) {
  std::atomic<int> passes{0};
  {
    ServiceRunner runner;
    runner.add(std::make_unique<FailingService>(passes));
    runner.start();
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (passes.load() < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    runner.stop();
  }
  ASSERT_GE(passes.load(), 2);
  std::string text = metrics::default_registry().render();
  EXPECT_EQ(sample(text, "praetor_service_pass_duration_seconds_count{service=\"failing-for-metrics\"}"), passes.load());
  EXPECT_EQ(sample(text, "praetor_service_pass_errors_total{service=\"failing-for-metrics\"}"), 2 * passes.load());
}

}  // namespace
}  // namespace praetor::services
