#include "events/event_bus.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace praetor::events {
namespace {

class Recorder : public EventSubscriber {
 public:
  void on_events(const std::vector<Event>& batch) override {
    std::lock_guard lock(mu);
    for (const auto& e : batch) ids.push_back(e.id);
  }
  std::mutex mu;
  std::vector<std::string> ids;
};

class Thrower : public EventSubscriber {
 public:
  void on_events(const std::vector<Event>&) override { throw std::runtime_error("boom"); }
};

// Verifies every subscriber sees every batch in publish order, and a failing subscriber
// does not stop delivery to the others.
TEST(EventBus, DeliversInOrderToAll) {
  Recorder a, b;
  Thrower t;
  EventBus bus;
  bus.subscribe(&a);
  bus.subscribe(&t);
  bus.subscribe(&b);
  for (int i = 0; i < 100; ++i) {
    Event e;
    e.id = std::to_string(i);
    bus.publish({e});
  }
  bus.flush();
  ASSERT_EQ(a.ids.size(), 100u);
  ASSERT_EQ(b.ids, a.ids);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.ids[i], std::to_string(i));
  bus.unsubscribe(&a);
  bus.unsubscribe(&b);
  bus.unsubscribe(&t);
}

}  // namespace
}  // namespace praetor::events

namespace praetor::events {
namespace {

class SlowCounter : public EventSubscriber {
 public:
  void on_events(const std::vector<Event>& batch) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    ++deliveries;
    events += batch.size();
  }
  std::mutex mu;
  int deliveries = 0;
  size_t events = 0;
};

// Verifies single-event publishes that queue up behind a busy subscriber are delivered
// together, in far fewer deliveries than publishes, and none is lost.
TEST(EventBus, CoalescesQueuedBatches) {
  SlowCounter slow;
  EventBus bus;
  bus.subscribe(&slow);
  for (int i = 0; i < 500; ++i) {
    Event e;
    e.id = std::to_string(i);
    bus.publish({e});
  }
  bus.flush();
  EXPECT_EQ(slow.events, 500u);
  EXPECT_LT(slow.deliveries, 50);
  bus.unsubscribe(&slow);
}

// Verifies events from another replica reach only subscribers that asked for them, and are
// never coalesced with local ones.
TEST(EventBus, RemoteEventsReachOnlyRemoteSubscribers) {
  Recorder local_only, all;
  EventBus bus;
  bus.subscribe(&local_only);
  bus.subscribe(&all, /*include_remote=*/true);
  Event local, remote;
  local.id = "local";
  remote.id = "remote";
  bus.publish({local});
  bus.publish({remote}, EventBus::Origin::kRemote);
  bus.publish({local});
  bus.flush();
  EXPECT_EQ(local_only.ids, (std::vector<std::string>{"local", "local"}));
  EXPECT_EQ(all.ids, (std::vector<std::string>{"local", "remote", "local"}));
}

// A subscriber that holds the dispatcher until released.
class Gate : public EventSubscriber {
 public:
  void on_events(const std::vector<Event>&) override {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
};

// Verifies backlog() counts undelivered events and when_backlog_below fires at once when
// there is room, else only after the subscribers caught up.
TEST(EventBus, BacklogWaitersFireWhenDrained) {
  Gate gate;
  EventBus bus;
  bus.subscribe(&gate);
  for (int i = 0; i < 10; ++i) {
    Event e;
    e.id = std::to_string(i);
    bus.publish({e});
  }
  EXPECT_EQ(bus.backlog(), 10u);
  bool at_once = false;
  bus.when_backlog_below(100, [&] { at_once = true; });
  EXPECT_TRUE(at_once);
  std::promise<void> room;
  bus.when_backlog_below(5, [&] { room.set_value(); });
  auto fut = room.get_future();
  EXPECT_EQ(fut.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  gate.release();
  EXPECT_EQ(fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  bus.flush();
  EXPECT_EQ(bus.backlog(), 0u);
  bus.unsubscribe(&gate);
}

// Verifies a subscriber at publish sees each batch as it is published, in order, while a
// blocked subscriber holds the dispatcher, and sees remote events only when it asked.
TEST(EventBus, SubscribersAtPublishDoNotWaitForTheDispatcher) {
  Gate gate;
  Recorder early, early_local;
  EventBus bus;
  bus.subscribe(&gate);
  bus.subscribe_at_publish(&early, /*include_remote=*/true);
  bus.subscribe_at_publish(&early_local);
  for (int i = 0; i < 3; ++i) {
    Event e;
    e.id = std::to_string(i);
    bus.publish({e}, i == 1 ? EventBus::Origin::kRemote : EventBus::Origin::kLocal);
  }
  {
    std::lock_guard lock(early.mu);
    EXPECT_EQ(early.ids, (std::vector<std::string>{"0", "1", "2"}));
  }
  EXPECT_EQ(early_local.ids, (std::vector<std::string>{"0", "2"}));
  EXPECT_EQ(bus.backlog(), 3u);  // the dispatcher is still held
  gate.release();
  bus.flush();
  bus.unsubscribe(&early);
  Event later;
  later.id = "later";
  bus.publish({later});
  bus.flush();
  std::lock_guard lock(early.mu);
  EXPECT_EQ(early.ids.size(), 3u);
  bus.unsubscribe(&gate);
}

}  // namespace
}  // namespace praetor::events
