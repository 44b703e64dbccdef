// Runs services on their own threads: a pass at start, then one every interval (wall-clock
// waits; the passes themselves read the injected clock). stop() wakes and joins them.
//
// With a LeaseProvider, a service runs a pass only while this process holds its lease
// (store/service_lease.h), so among replicas on one PostgreSQL database each service runs on
// one at a time. A replica without the lease retries every min(interval, kStandbyRetry) and
// takes over when the holder dies. Taking and losing a lease are logged
// ("service NAME: lease acquired" / "lease lost").
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "services/service.h"
#include "store/service_lease.h"

namespace praetor::services {

class ServiceRunner {
 public:
  // `leases` (may be null: always run) must outlive the runner.
  explicit ServiceRunner(store::LeaseProvider* leases = nullptr) : leases_(leases) {}
  ~ServiceRunner();
  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  // Takes ownership; call before start().
  void add(std::unique_ptr<Service> service);
  void start();
  void stop();
  std::size_t size() const { return services_.size(); }

  static constexpr std::chrono::seconds kStandbyRetry{5};

 private:
  void loop(Service& service);

  store::LeaseProvider* leases_;
  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace praetor::services
