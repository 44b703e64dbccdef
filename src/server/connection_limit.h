// Keeps the open connections below the process's file-descriptor limit. Past the cap the
// server stops accepting (new connections wait in the kernel's backlog) and closes the
// connections that have waited longest for a request, so a crowd of idle clients cannot
// starve the database, the WAL, backups or /api/health of descriptors (internal to server/).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

namespace praetor::server {

class ConnectionLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ConnectionLimit(int cap) : cap_(cap) {}
  ConnectionLimit(const ConnectionLimit&) = delete;
  ConnectionLimit& operator=(const ConnectionLimit&) = delete;

  int cap() const { return cap_; }
  int open() const { return open_.load(); }
  bool full() const { return open_.load() >= cap_; }

  // Counts one open connection while it lives.
  class Slot {
   public:
    Slot() = default;
    explicit Slot(ConnectionLimit* limit) : limit_(limit) { ++limit_->open_; }
    Slot(Slot&& other) noexcept : limit_(std::exchange(other.limit_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { release(); }

   private:
    void release();
    ConnectionLimit* limit_ = nullptr;
  };
  Slot take() { return Slot(this); }

  // Registers a connection as waiting for a request, with how to close it; unregistered when
  // the ticket is reset or destroyed (the request arrived, or the connection ended).
  class IdleTicket {
   public:
    IdleTicket() = default;
    IdleTicket(ConnectionLimit* limit, uint64_t id) : limit_(limit), id_(id) {}
    IdleTicket(IdleTicket&& other) noexcept
        : limit_(std::exchange(other.limit_, nullptr)), id_(other.id_) {}
    IdleTicket& operator=(IdleTicket&& other) noexcept;
    ~IdleTicket() { release(); }

   private:
    void release();
    ConnectionLimit* limit_ = nullptr;
    uint64_t id_ = 0;
  };
  IdleTicket waiting(std::function<void()> close, Clock::time_point now = Clock::now());

  // Closes up to `count` of the connections waiting longest for a request, among those
  // waiting at least `min_wait`. Returns how many were closed.
  int close_longest_idle(int count, Clock::duration min_wait, Clock::time_point now = Clock::now());

 private:
  struct Waiting {
    Clock::time_point since;
    std::function<void()> close;
  };
  const int cap_;
  std::atomic<int> open_{0};
  std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Waiting> waiting_;  // by id: registration order, oldest first
};

// The default cap: the descriptor limit (RLIMIT_NOFILE, soft) less a reserve for the database
// connections, WAL, backups and logs.
int default_connection_cap();

}  // namespace praetor::server
