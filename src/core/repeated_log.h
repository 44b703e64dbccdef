// Rate-limits a log line that repeats: during an outage every failed request would write the
// same error (thousands of lines a second). The first occurrence of a message is written at
// once; identical ones within the next `window` are counted, not written, and the next one
// written after the window says how many were left out. Distinct keys are independent; the key
// is the message unless given (e.g. an error's text without the request path that varies).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace praetor::core {

class RepeatedLog {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RepeatedLog(std::chrono::seconds window = std::chrono::seconds(10), std::size_t max_messages = 1024)
      : window_(window), max_messages_(max_messages) {}

  // Writes `message` at `level` unless it repeats one written less than `window` ago.
  // Returns whether it was written (for tests).
  bool log(spdlog::level::level_enum level, const std::string& message, Clock::time_point now = Clock::now()) {
    return log(level, message, message, now);
  }
  bool log(spdlog::level::level_enum level, const std::string& key, const std::string& message,
           Clock::time_point now = Clock::now());

 private:
  struct Seen {
    Clock::time_point written;
    uint64_t left_out = 0;
  };
  const std::chrono::seconds window_;
  const std::size_t max_messages_;  // bounds the memory a stream of distinct messages can take
  std::mutex mutex_;
  std::unordered_map<std::string, Seen> seen_;
};

}  // namespace praetor::core
