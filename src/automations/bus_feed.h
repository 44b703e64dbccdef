// The trigger engine's fast path: the events published on the in-process bus (received
// here, or stored by another replica and announced through its NOTIFY), copied as they are
// published and handed to the engine's next pass, without waiting for the persister to
// store them (or its back-pressure to let the bus deliver them) and the pass to read them back.
//
// Only a speed-up: stored events stay the record. A pass that takes the feed also sweeps
// the stored events it has not evaluated, so an event the feed never gave (dropped on
// overflow, received while this replica did not hold the engine's lease) is still
// evaluated, from the database.
//
// Bounded: while nobody takes the feed (this replica does not run the engine) or when more
// than `capacity` events wait, it drops what it holds and says so once with take()'s
// `complete` false, and the engine then reads from the database until it has caught up.
//
// Thread-safety: on_events runs on the bus's dispatcher thread, take() on the engine's.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include "events/event_bus.h"

namespace praetor::automations {

class BusFeed final : public events::EventSubscriber {
 public:
  // How long the feed keeps collecting after the last take(): a replica whose engine stopped
  // taking (lease lost) soon stops copying events.
  static constexpr std::chrono::seconds kIdleAfter{2};

  // Subscribes to `bus` at publish (local and remote events); unsubscribes on destruction.
  BusFeed(events::EventBus& bus, std::size_t capacity);
  ~BusFeed() override;
  BusFeed(const BusFeed&) = delete;
  BusFeed& operator=(const BusFeed&) = delete;

  void on_events(const std::vector<events::Event>& batch) override;

  struct Taken {
    std::vector<events::Event> events;  // in delivery order
    bool complete = true;               // false: events were dropped since the last take
  };
  Taken take();
  // Drops what is held, e.g. when another replica evaluated events meanwhile; the caller
  // then reads the stored events (take() does not report this drop).
  void clear();

 private:
  events::EventBus& bus_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::vector<events::Event> events_;
  bool dropped_ = true;  // nothing was collected before the first take
  std::chrono::steady_clock::time_point last_take_{};
};

}  // namespace praetor::automations
