#include "services/service_runner.h"
#include "core/thread_role.h"

#include <spdlog/spdlog.h>

#include "metrics/registry.h"

namespace praetor::services {

namespace {

metrics::Family<metrics::Counter>& pass_errors() {
  return metrics::default_registry().counter(
      "praetor_service_pass_errors_total",
      "Errors met by background service passes (a failed read or write, or a pass that threw).", {"service"});
}

}  // namespace

void log_pass_error(std::string_view service, std::string_view message) {
  spdlog::error("{}: {}", service, message);
  pass_errors().labels({std::string(service)}).inc();
}

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
  const std::string name(service.name());
  core::name_this_thread(("svc-" + name).c_str());
  auto& pass_seconds = metrics::default_registry()
                           .histogram("praetor_service_pass_duration_seconds",
                                      "Duration of a background service's pass (on the replica holding its lease).",
                                      {"service"}, metrics::exponential_buckets(0.001, 4, 9))
                           .labels({name});
  pass_errors().labels({name});  // present at zero from the first pass
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
      auto started = std::chrono::steady_clock::now();
      try {
        service.run_once();
      } catch (const std::exception& e) {
        log_pass_error(service.name(), std::string("pass failed: ") + e.what());
      }
      pass_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    auto wait = holding ? service.interval()
                        : std::min<std::chrono::microseconds>(service.interval(), kStandbyRetry);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) break;
  }
  if (lease) lease->release();
}

}  // namespace praetor::services
