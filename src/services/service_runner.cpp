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
  for (auto& service : services_) service->request_stop();
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
  std::unique_ptr<store::ServiceLease> lease = leases_ ? leases_->lease(service.name()) : nullptr;
  bool holding = false;
  for (;;) {
    const bool now_holding = !lease || lease->acquire();
    if (lease && now_holding != holding) {
      if (now_holding) {
        spdlog::info("service {}: lease acquired; this replica runs it", service.name());
      } else {
        spdlog::warn("service {}: lease lost; another replica runs it", service.name());
      }
    }
    holding = now_holding;
    if (holding) {
      try {
        service.run_once();
      } catch (const std::exception& e) {
        spdlog::error("service {} pass failed: {}", service.name(), e.what());
      }
    }
    auto wait = holding ? service.interval()
                        : std::min<std::chrono::microseconds>(service.interval(), kStandbyRetry);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) break;
  }
  if (lease) lease->release();
}

}  // namespace praetor::services
