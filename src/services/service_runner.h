// Runs services on their own threads: a pass at start, then one every interval (wall-clock
// waits; the passes themselves read the injected clock). stop() wakes and joins them.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "services/service.h"

namespace praetor::services {

class ServiceRunner {
 public:
  ServiceRunner() = default;
  ~ServiceRunner();
  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  // Takes ownership; call before start().
  void add(std::unique_ptr<Service> service);
  void start();
  void stop();
  std::size_t size() const { return services_.size(); }

 private:
  void loop(Service& service);

  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace praetor::services
