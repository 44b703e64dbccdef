// Timestamps: UTC with microsecond precision. Emitted as Prefect (pydantic) does,
// "2026-08-21T16:27:33.123456Z", with the fraction dropped when it is zero; accepted in any
// ISO-8601 form with 'T' or a space, 'Z' or a numeric offset, or none (taken as UTC).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace praetor::core {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

std::string format_timestamp(Timestamp t);
// Python isoformat() with "+00:00", as Prefect writes into event labels.
std::string format_timestamp_offset(Timestamp t);
std::optional<Timestamp> parse_timestamp(std::string_view text);

// Storage form: integer microseconds since the Unix epoch (sorts and compares in SQL).
inline int64_t to_micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_micros(int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

// Seconds as the float Prefect uses for durations.
inline double to_seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }

// Time is injected so rules and services are testable without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp t) : now_(t) {}
  Timestamp now() const override { return now_; }
  void advance(std::chrono::microseconds d) { now_ += d; }
  void set(Timestamp t) { now_ = t; }

 private:
  Timestamp now_;
};

}  // namespace praetor::core
