// A background service: one pass of periodic work, run by ServiceRunner every interval().
// Passes read the time from the injected core::Clock only, so tests drive them with a
// ManualClock and call run_once() directly.
#pragma once

#include <chrono>
#include <string_view>

namespace praetor::services {

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string_view name() const = 0;
  virtual std::chrono::microseconds interval() const = 0;
  // One pass; errors are logged by the runner and the next pass runs as usual.
  virtual void run_once() = 0;
  // Called (from another thread) when the runner stops: a service whose pass can be long,
  // e.g. catching up a backlog, ends it at its next step so shutdown stays prompt.
  virtual void request_stop() {}
};

// Logs an error met during a pass of the service named `service` (the pass then goes on or
// ends early) and counts it in praetor_service_pass_errors_total{service}.
void log_pass_error(std::string_view service, std::string_view message);

inline std::chrono::microseconds seconds(double s) {
  return std::chrono::microseconds(static_cast<int64_t>(s * 1e6));
}

}  // namespace praetor::services
