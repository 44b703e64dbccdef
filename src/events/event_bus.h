// The in-process event bus. Producers (the /events/in socket, set_state) publish batches;
// a dispatcher thread hands the events, in publish order, to every subscriber (the
// persister, the task-run recorder, /events/out), coalescing whatever queued up meanwhile
// into one delivery. publish() never blocks on consumers; a producer that can wait (the
// /events/in socket) bounds the backlog itself with backlog() and when_backlog_below().
//
// Events that another replica received (loaded after its NOTIFY, events/replica_feed.h) are
// published as Origin::kRemote and reach only subscribers that asked for them (the
// /events/out fan-out): that replica already stored and recorded them.
//
// Thread-safety: all methods are thread-safe. Subscribers are called on the dispatcher
// thread, one batch at a time, and must not call back into the bus synchronously.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "events/event.h"

namespace praetor::events {

class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  virtual void on_events(const std::vector<Event>& batch) = 0;
  // Blocks until the events given to on_events so far have taken effect, for a subscriber
  // that finishes them on a thread of its own (the persister: stored). Default: on_events'
  // return is enough.
  virtual void wait_until_handled() {}
};

class EventBus {
 public:
  EventBus();
  ~EventBus();  // delivers what is queued, then stops
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  enum class Origin { kLocal, kRemote };
  void publish(std::vector<Event> batch, Origin origin = Origin::kLocal);
  // The subscriber must outlive the bus or be unsubscribed first. It receives local events,
  // and remote ones too with `include_remote`.
  void subscribe(EventSubscriber* subscriber, bool include_remote = false);
  // A subscriber called by publish() itself, on the publisher's thread, in publish order,
  // before the batch waits for the dispatcher: for a consumer that must not wait behind
  // slower subscribers (the trigger engine behind the persister's back-pressure). Its
  // on_events must only copy and return: never block, never call into the bus.
  void subscribe_at_publish(EventSubscriber* subscriber, bool include_remote = false);
  void unsubscribe(EventSubscriber* subscriber);
  // Blocks until every batch published before the call has been delivered.
  void flush();
  // flush(), then until every subscriber has finished with those batches
  // (EventSubscriber::wait_until_handled): an event published before the call is stored
  // once it returns. Not to be called from a subscriber.
  void settle();
  // Events published and not yet delivered to every subscriber.
  std::size_t backlog();
  // Calls `on_room` once the backlog is below `limit`: at once (on the caller's thread) if
  // it already is, else on the dispatcher thread after a delivery. Must be quick.
  void when_backlog_below(std::size_t limit, std::function<void()> on_room);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  struct Queued {
    std::vector<Event> events;
    Origin origin;
  };
  struct Subscription {
    EventSubscriber* subscriber;
    bool include_remote;
  };
  std::deque<Queued> queue_;
  std::vector<Subscription> subscribers_;
  std::vector<Subscription> at_publish_;
  std::size_t backlog_ = 0;  // events in queue_ or being delivered
  std::vector<std::pair<std::size_t, std::function<void()>>> room_waiters_;
  uint64_t published_ = 0;
  uint64_t delivered_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace praetor::events
