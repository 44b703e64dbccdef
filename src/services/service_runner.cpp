#include "services/service_runner.h"

#include <spdlog/spdlog.h>

namespace praetor::services {

ServiceRunner::~ServiceRunner() { stop(); }

void ServiceRunner::add(std::unique_ptr<Service> service) { services_.push_back(std::move(service)); }

void ServiceRunner::start(std::function<bool()> ready) {
  ready_ = std::move(ready);
  for (auto& s : services_) {
    spdlog::info("service {} started (every {} s)", s->name(), static_cast<double>(s->interval().count()) / 1e6);
    threads_.emplace_back([this, svc = s.get()] { loop(*svc); });
  }
}

void ServiceRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool ServiceRunner::wait_ready() {
  std::unique_lock lock(mutex_);
  while (ready_ && !ready_()) {
    if (wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_; })) return false;
  }
  return !stopping_;
}

void ServiceRunner::loop(Service& service) {
  if (!wait_ready()) return;
  for (;;) {
    try {
      service.run_once();
    } catch (const std::exception& e) {
      spdlog::error("service {} pass failed: {}", service.name(), e.what());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, service.interval(), [this] { return stopping_; })) return;
  }
}

}  // namespace praetor::services
