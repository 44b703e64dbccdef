// Bounds the memory request bodies take at once, across all connections (internal to
// server/). A connection reads a request's headers, then reserves for its body
// (kHeldPerBodyByte times its Content-Length, or the body limit when chunked) before reading it; past the budget
// it waits, in arrival order, with the body left unread in the kernel's socket buffer (TCP
// back-pressure on the client), and the bytes come back when its answer has been written.
// One request is always let through when nothing else is held, so a body larger than the
// budget still gets its answer. A connection reads one request at a time, so the body limit
// is also its per-connection bound. WebSocket messages past a small size hold room too
// (server/websocket_session.h), taken with try_reserve as they are read.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

namespace praetor::server {

class BodyBudget {
 public:
  // What handling a body holds per byte of it, at most about: the text, its parsed JSON,
  // and an error's copy of the failing input. A body reserves this many times its size.
  static constexpr std::size_t kHeldPerBodyByte = 4;

  explicit BodyBudget(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // Bytes held while it lives; given back (and waiting reservations granted) when reset or
  // destroyed.
  class Grant {
   public:
    Grant() = default;
    Grant(BodyBudget* budget, std::size_t bytes) : budget_(budget), bytes_(bytes) {}
    Grant(Grant&& other) noexcept : budget_(std::exchange(other.budget_, nullptr)), bytes_(other.bytes_) {}
    Grant& operator=(Grant&& other) noexcept;
    ~Grant() { reset(); }
    void reset();

   private:
    BodyBudget* budget_ = nullptr;
    std::size_t bytes_ = 0;
  };

  // Calls `granted` with the grant once `bytes` fit: at once, on the caller's thread, when they
  // do; otherwise later, on the thread that gives bytes back (the callback must hand its work
  // to its own executor).
  void reserve(std::size_t bytes, std::function<void(Grant)> granted);

  // A grant of `bytes` now if they fit and nobody waits; none otherwise (never waits: for a
  // reader that already holds memory and must not wait on others that hold it too).
  // `already_held` is what the caller holds: one that holds all that is held is let
  // through, as one body alone is.
  std::optional<Grant> try_reserve(std::size_t bytes, std::size_t already_held = 0);

  std::size_t capacity() const { return capacity_; }
  std::size_t held() const;
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::size_t bytes;
    std::function<void(Grant)> granted;
  };
  bool fits(std::size_t bytes) const { return held_ == 0 || held_ + bytes <= capacity_; }
  void give_back(std::size_t bytes);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::size_t held_ = 0;
  std::deque<Waiter> waiters_;
};

}  // namespace praetor::server
