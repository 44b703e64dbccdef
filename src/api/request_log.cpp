#include "api/request_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace praetor::api {

RequestLog::RequestLog(const std::string& access_level, metrics::Registry& registry)
    : access_level_(spdlog::level::from_str(access_level)),
      requests_(registry.counter("praetor_http_requests_total", "HTTP requests answered, by route template and status.",
                                 {"method", "route", "status"})),
      durations_(registry.histogram("praetor_http_request_duration_seconds",
                                    "Time from reading an HTTP request to handing its response to the socket.",
                                    {"method", "route"}, metrics::latency_buckets())) {}

std::string RequestLog::access_line(const AnsweredRequest& request) {
  return fmt::format("{} {} {} {:.1f} ms", request.method, request.route, request.status,
                     std::chrono::duration<double, std::milli>(request.elapsed).count());
}

void RequestLog::record(const AnsweredRequest& request) const {
  const std::string method(request.method), route(request.route);
  requests_.labels({method, route, std::to_string(request.status)}).inc();
  durations_.labels({method, route}).observe(std::chrono::duration<double>(request.elapsed).count());
  if (access_level_ != spdlog::level::off && spdlog::should_log(access_level_)) {
    spdlog::log(access_level_, "{}", access_line(request));
  }
}

}  // namespace praetor::api
