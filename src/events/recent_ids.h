// A bounded set of recently seen event ids, for dropping events a client resends after a
// reconnect (the events client resends whatever a pong has not confirmed). The oldest id is
// forgotten first; the persister's INSERT OR IGNORE catches anything older.
// Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace praetor::events {

class RecentIds {
 public:
  explicit RecentIds(std::size_t capacity) : capacity_(capacity) {}

  // True if `id` was not seen among the last `capacity` ids; records it.
  bool insert(const std::string& id);
  // Forgets `id` (an event that was refused, so that its resend is not taken for a duplicate).
  void forget(const std::string& id);

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

}  // namespace praetor::events
