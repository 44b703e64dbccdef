#include "server/connection_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <vector>

namespace praetor::server {

ConnectionLimit::Slot& ConnectionLimit::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    limit_ = std::exchange(other.limit_, nullptr);
  }
  return *this;
}

void ConnectionLimit::Slot::release() {
  if (limit_) --limit_->open_;
  limit_ = nullptr;
}

ConnectionLimit::IdleTicket& ConnectionLimit::IdleTicket::operator=(IdleTicket&& other) noexcept {
  if (this != &other) {
    release();
    limit_ = std::exchange(other.limit_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void ConnectionLimit::IdleTicket::release() {
  if (!limit_) return;
  std::lock_guard lock(limit_->mutex_);
  limit_->waiting_.erase(id_);
  limit_ = nullptr;
}

ConnectionLimit::IdleTicket ConnectionLimit::waiting(std::function<void()> close, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  waiting_.emplace(id, Waiting{now, std::move(close)});
  return IdleTicket(this, id);
}

int ConnectionLimit::close_longest_idle(int count, Clock::duration min_wait, Clock::time_point now) {
  std::vector<std::function<void()>> to_close;
  {
    std::lock_guard lock(mutex_);
    for (auto it = waiting_.begin(); it != waiting_.end() && static_cast<int>(to_close.size()) < count;) {
      // Registration order is waiting order, so the first too recent one ends the scan.
      if (now - it->second.since < min_wait) break;
      to_close.push_back(std::move(it->second.close));
      it = waiting_.erase(it);
    }
  }
  for (auto& close : to_close) close();  // outside the lock: closing may unregister others
  return static_cast<int>(to_close.size());
}

int default_connection_cap() {
  constexpr int kReserve = 128;  // database pool, WAL and journal, backups, logs, key files
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
  return std::max(16, static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20)) - kReserve);
}

}  // namespace praetor::server
