// The /events/out fan-out (Prefect's server/events/stream.py distributor): an EventSubscriber
// on the bus that hands each live event to every open subscription whose filter matches it,
// plus a worker thread that runs subscriptions' backfill queries off the I/O threads.
//
// A subscription starts "backfilling": live events are held (at most kBacklog, later ones
// dropped, as Prefect's 256-event queue) while stored events are sent; then the held events
// not already sent by the backfill go out and the subscription is live.
//
// Threading: on_events runs on the bus dispatcher and never blocks on a socket
// (WebSocketPeer::send_text only queues). open/close are called from I/O threads. The
// destructor unsubscribes from the bus, waits for an in-flight delivery, and joins the
// worker; the bus and database must outlive this object.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/websocket.h"
#include "events/event_bus.h"
#include "events/event_filter.h"
#include "store/database.h"

namespace praetor::api {

class EventSubscription {
 public:
  EventSubscription(std::shared_ptr<WebSocketPeer> peer, events::EventFilter filter)
      : peer_(std::move(peer)), filter_(std::move(filter)) {}

  const events::EventFilter& filter() const { return filter_; }
  // Sends a live event (held while backfilling).
  void deliver(const events::Event& e);
  // Sends a stored event during backfill.
  void send_backfill(const boost::json::object& event);
  // Sends the held events not sent by the backfill and switches to live delivery.
  void go_live();
  void mark_closed() { closed_ = true; }
  bool closed() const { return closed_; }

  static constexpr std::size_t kBacklog = 256;

 private:
  void send(const boost::json::object& event);

  std::shared_ptr<WebSocketPeer> peer_;
  const events::EventFilter filter_;
  std::mutex mu_;
  bool live_ = false;
  std::vector<events::Event> held_;
  std::unordered_set<std::string> backfilled_;
  std::atomic<bool> closed_{false};
};

class EventStream final : public events::EventSubscriber {
 public:
  EventStream(events::EventBus& bus, store::Database& db);
  ~EventStream() override;
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void on_events(const std::vector<events::Event>& batch) override;

  // Registers a subscription; with `backfill`, stored events matching its filter (ascending,
  // in pages of kBackfillPageSize) are sent first on the worker thread.
  void open(const std::shared_ptr<EventSubscription>& subscription, bool backfill);
  void close(const std::shared_ptr<EventSubscription>& subscription);

  static constexpr int64_t kBackfillPageSize = 250;  // PREFECT_EVENTS_WEBSOCKET_BACKFILL_PAGE_SIZE

 private:
  void run_backfills();
  void backfill(EventSubscription& subscription);

  events::EventBus& bus_;
  store::Database& db_;
  std::mutex mu_;
  std::vector<std::shared_ptr<EventSubscription>> subscriptions_;
  std::condition_variable work_cv_;
  std::deque<std::shared_ptr<EventSubscription>> backfills_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace praetor::api
