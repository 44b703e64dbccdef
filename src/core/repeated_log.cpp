#include "core/repeated_log.h"

namespace praetor::core {

bool RepeatedLog::log(spdlog::level::level_enum level, const std::string& key, const std::string& message,
                      Clock::time_point now) {
  uint64_t left_out = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = seen_.find(key);
    if (it != seen_.end() && now - it->second.written < window_) {
      ++it->second.left_out;
      return false;
    }
    if (it == seen_.end()) {
      if (seen_.size() >= max_messages_) {
        // Forget the messages whose window is over; if all are recent, start afresh (a burst
        // of distinct messages is then written, which is what distinct messages deserve).
        std::erase_if(seen_, [&](const auto& entry) { return now - entry.second.written >= window_; });
        if (seen_.size() >= max_messages_) seen_.clear();
      }
      it = seen_.emplace(key, Seen{}).first;
    }
    left_out = it->second.left_out;
    it->second = Seen{now, 0};
  }
  if (left_out == 0) {
    spdlog::log(level, "{}", message);
  } else {
    spdlog::log(level, "{} ({} more like this in the previous {} s, not written)", message, left_out,
                window_.count());
  }
  return true;
}

}  // namespace praetor::core
