// What becomes of each answered HTTP request: one access-log line (method, route template,
// status, milliseconds; never the raw path, query or body, which may carry names and
// secrets) and the HTTP request metrics. The server calls it once per response it writes.
// Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <spdlog/common.h>

#include "metrics/registry.h"

namespace praetor::api {

struct AnsweredRequest {
  std::string_view method;
  std::string_view route;  // Response::route
  int status = 0;
  std::chrono::steady_clock::duration elapsed{};  // request read → response handed to the socket
};

class RequestLog {
 public:
  // `access_level`: the access line's level name (config's access_log_level), "off" for none.
  explicit RequestLog(const std::string& access_level, metrics::Registry& registry = metrics::default_registry());
  void record(const AnsweredRequest& request) const;

  // The access line's text, e.g. "GET /api/flows/{id} 200 1.8 ms".
  static std::string access_line(const AnsweredRequest& request);

 private:
  spdlog::level::level_enum access_level_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& durations_;
};

}  // namespace praetor::api
