// Runs services on their own threads: a pass at start (once `ready` holds, when given), then
// one every interval (wall-clock waits; the passes themselves read the injected clock).
// stop() wakes and joins them.
//
// With a LeaseProvider, a service runs a pass only while this process holds its lease
// (store/service_lease.h), so among replicas on one PostgreSQL database each service runs on
// one at a time. A replica without the lease retries every min(interval, kStandbyRetry) and
// takes over when the holder dies. Taking and losing a lease are logged
// ("service NAME: lease acquired" / "lease lost").
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
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
  // `ready` (e.g. "the database is open") gates the first pass, so a pass that would only
  // meet 503s does not cost a whole interval; it is polled every 50 ms.
  void start(std::function<bool()> ready = {});
  void stop();
  std::size_t size() const { return services_.size(); }

  static constexpr std::chrono::seconds kStandbyRetry{5};

 private:
  void loop(Service& service);
  // False when stopped while waiting.
  bool wait_ready();

  store::LeaseProvider* leases_;
  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::function<bool()> ready_;
};

}  // namespace praetor::services
