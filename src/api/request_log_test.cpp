#include "api/request_log.h"

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace praetor::api {
namespace {

// Captures what the default logger writes while alive.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

AnsweredRequest answered(std::string_view route, int status, std::chrono::microseconds elapsed) {
  return AnsweredRequest{"GET", route, status, elapsed};
}

// Verifies that each answered request is counted by method, route template and status, and
// timed into the latency histogram by method and route.
TEST(RequestLog, CountsAndTimesByRouteTemplate) {
  metrics::Registry registry;
  RequestLog log("off", registry);
  log.record(answered("/api/flows/{id}", 200, std::chrono::milliseconds(3)));
  log.record(answered("/api/flows/{id}", 200, std::chrono::milliseconds(30)));
  log.record(answered("/api/flows/{id}", 404, std::chrono::milliseconds(1)));
  std::string text = registry.render();
  EXPECT_NE(text.find("praetor_http_requests_total{method=\"GET\",route=\"/api/flows/{id}\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("praetor_http_requests_total{method=\"GET\",route=\"/api/flows/{id}\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("praetor_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/flows/{id}\",le="
                      "\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("praetor_http_request_duration_seconds_count{method=\"GET\",route=\"/api/flows/{id}\"} 3\n"),
            std::string::npos);
}

// Verifies the access line: method, template, status and milliseconds, at the configured
// level; nothing when that level is below the logger's or "off".
TEST(RequestLog, AccessLineAtItsLevel) {
  metrics::Registry registry;
  {
    CapturedLog captured;
    RequestLog(("info"), registry).record(answered("/api/health", 200, std::chrono::microseconds(1840)));
    EXPECT_EQ(captured.text(), "info GET /api/health 200 1.8 ms\n");
  }
  {
    CapturedLog captured;
    RequestLog("debug", registry).record(answered("/api/health", 200, std::chrono::microseconds(1840)));
    RequestLog("off", registry).record(answered("/api/health", 200, std::chrono::microseconds(1840)));
    EXPECT_EQ(captured.text(), "");
  }
}

}  // namespace
}  // namespace praetor::api
