#include "services/service_runner.h"

#include <spdlog/spdlog.h>

namespace praetor::services {

ServiceRunner::~ServiceRunner() { stop(); }

void ServiceRunner::add(std::unique_ptr<Service> service) { services_.push_back(std::move(service)); }

void ServiceRunner::start() {
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

void ServiceRunner::loop(Service& service) {
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
