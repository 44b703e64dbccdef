// How many automation firings in a row led to each event the trigger service made, so that
// trigger loops end. An automation's own events (`prefect.automation.triggered`,
// `prefect.automation.action.*`) are events like any other and can fire automations, as in
// Prefect; but automations that match every event fire on each other's events forever, each
// firing making more events than it consumed (schemathesis's `match: {}` automations made
// 100,000 firings in 10 s). So an event is evaluated only while fewer than kLongest firings
// made it: an automation can react to an event, and another to that reaction (e.g. notify
// when an automation's action failed), and there the chain ends.
//
// Lengths are kept in memory for the events this service made, as long as the engine can
// still evaluate them (2 × kCommitLag). An automation event this process did not make (made
// before a restart, or by another replica) counts as one firing long.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/timestamp.h"
#include "events/event.h"

namespace praetor::automations {

class AutomationChains {
 public:
  // Events made by this many firings in a row are not evaluated.
  static constexpr int kLongest = 2;

  // How many firings in a row made `e`: 0 for an event no automation made.
  int length(const events::Event& e) const {
    if (!std::string_view(e.event).starts_with("prefect.automation.")) return 0;
    return length_of(e.id);
  }
  // The same by the event's id, for an event known to be an automation's.
  int length_of(const std::string& event_id) const {
    auto it = lengths_.find(event_id);
    return it == lengths_.end() ? 1 : it->second;
  }
  bool evaluated(const events::Event& e) const { return length(e) < kLongest; }

  void record(const events::Event& made, int length) {
    if (lengths_.emplace(made.id, length).second) order_.emplace_back(made.received, made.id);
  }
  // Forgets events received before `before` (kept in making order, which is received order).
  void forget_before(core::Timestamp before) {
    while (!order_.empty() && order_.front().first < before) {
      lengths_.erase(order_.front().second);
      order_.pop_front();
    }
  }

 private:
  std::unordered_map<std::string, int> lengths_;
  std::deque<std::pair<core::Timestamp, std::string>> order_;
};

}  // namespace praetor::automations
