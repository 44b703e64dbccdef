// The ids of the events the engine evaluated lately, in memory: the bus feed and the
// database sweep can both give the same event, and it must be evaluated once. Mirrors the
// automation_seen_event rows (which the sweep's query consults) for the events the feed
// gives, kept as long as those rows are (received within 2 × kCommitLag of the cursor).
#pragma once

#include <deque>
#include <string>
#include <unordered_set>
#include <utility>

#include "core/timestamp.h"

namespace praetor::automations {

class EvaluatedEvents {
 public:
  bool contains(const std::string& id) const { return ids_.contains(id); }
  void add(const std::string& id, core::Timestamp received) {
    if (ids_.insert(id).second) order_.emplace_back(received, id);
  }
  // Forgets the ids of events received before `before`. Entries are kept in evaluation
  // order, which is received order up to the commit lag, so this stops at the first newer one.
  void forget_before(core::Timestamp before) {
    while (!order_.empty() && order_.front().first < before) {
      ids_.erase(order_.front().second);
      order_.pop_front();
    }
  }
  void clear() {
    ids_.clear();
    order_.clear();
  }

 private:
  std::unordered_set<std::string> ids_;
  std::deque<std::pair<core::Timestamp, std::string>> order_;
};

}  // namespace praetor::automations
