// The in-process event bus. Producers (the /events/in socket, set_state) publish batches;
// a dispatcher thread hands the events, in publish order, to every subscriber (the
// persister, the task-run recorder, /events/out), coalescing whatever queued up meanwhile
// into one delivery. publish() never blocks on consumers.
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
#include <vector>

#include "events/event.h"

namespace praetor::events {

class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  virtual void on_events(const std::vector<Event>& batch) = 0;
};

class EventBus {
 public:
  EventBus();
  ~EventBus();  // delivers what is queued, then stops
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  void publish(std::vector<Event> batch);
  // The subscriber must outlive the bus or be unsubscribed first.
  void subscribe(EventSubscriber* subscriber);
  void unsubscribe(EventSubscriber* subscriber);
  // Blocks until every batch published before the call has been delivered.
  void flush();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::vector<Event>> queue_;
  std::vector<EventSubscriber*> subscribers_;
  uint64_t published_ = 0;
  uint64_t delivered_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace praetor::events
