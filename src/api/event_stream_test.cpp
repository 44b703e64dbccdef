#include "api/event_stream.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "events/event_persister.h"
#include "events/event_test_util.h"
#include "store/test_database.h"

namespace praetor::api {
namespace {

namespace json = boost::json;
using events::testing::make_event;
using events::testing::resource;

class FakePeer : public WebSocketPeer {
 public:
  void send_text(std::string message) override {
    std::lock_guard lock(mu);
    auto v = json::parse(message);
    ids.push_back(json::value_to<std::string>(v.at("event").at("id")));
  }
  void close(uint16_t, std::string) override {}
  void pause_reading() override {}
  void resume_reading() override {}
  std::vector<std::string> sent() {
    std::lock_guard lock(mu);
    return ids;
  }
  std::mutex mu;
  std::vector<std::string> ids;
};

events::EventFilter filter_for(const std::string& resource_id) {
  json::value v = json::parse(R"({"resource":{"id":[")" + resource_id +
                              R"("]},"occurred":{"since":"2020-01-01T00:00:00Z","until":"2100-01-01T00:00:00Z"},"order":"ASC"})");
  return *events::parse_event_filter(&v, core::SystemClock().now(), {});
}

// Verifies a subscriber gets stored events first (once), then only matching live events,
// and nothing after it closed.
TEST(EventStream, BackfillsThenDeliversLiveMatches) {
  store::testing::TempDatabase t;
  events::EventBus bus;
  auto stored = make_event("e", resource("r"), {}, core::SystemClock().now() - std::chrono::seconds(5));
  ASSERT_TRUE(t.db().write<int64_t>(
      [&](store::Connection& c) -> core::Result<int64_t> { return events::write_events(c, {stored}); }));
  auto peer = std::make_shared<FakePeer>();
  {
    EventStream stream(bus, t.db());
    auto sub = std::make_shared<EventSubscription>(peer, filter_for("r"));
    stream.open(sub, true);
    // The stored event also arrives live (as a resent event would): sent once only.
    auto live = make_event("e", resource("r"), {}, core::SystemClock().now());
    bus.publish({stored, make_event("e", resource("other")), live});
    bus.flush();
    for (int i = 0; i < 200 && peer->sent().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(peer->sent(), (std::vector<std::string>{stored.id, live.id}));
    stream.close(sub);
    bus.publish({make_event("e", resource("r"))});
    bus.flush();
    EXPECT_EQ(peer->sent().size(), 2u);
  }
}

// Stores what it is given only when released: a persister running behind the bus.
class GatedStore : public events::EventSubscriber {
 public:
  explicit GatedStore(store::Database& db) : db_(db) {}
  void on_events(const std::vector<events::Event>& batch) override {
    std::lock_guard lock(mu_);
    pending_.insert(pending_.end(), batch.begin(), batch.end());
  }
  void wait_until_handled() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return released_; });
    if (!pending_.empty()) {
      auto stored = db_.write<int64_t>([&](store::Connection& c) { return events::write_events(c, pending_); });
      EXPECT_TRUE(stored.ok());
      pending_.clear();
    }
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  store::Database& db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<events::Event> pending_;
  bool released_ = false;
};

// Verifies an event delivered on the bus before a subscription opened, but not yet stored
// when it opened, still reaches it: the backfill waits for the store (the Prefect client
// emits right after sending its filter, so the two race).
TEST(EventStream, BackfillWaitsForEventsPublishedBeforeItOpened) {
  store::testing::TempDatabase t;
  events::EventBus bus;
  GatedStore store(t.db());
  bus.subscribe(&store);
  auto peer = std::make_shared<FakePeer>();
  {
    EventStream stream(bus, t.db());
    auto early = make_event("e", resource("r"), {}, core::SystemClock().now());
    bus.publish({early});
    bus.flush();  // delivered (before the subscription exists), not stored
    auto sub = std::make_shared<EventSubscription>(peer, filter_for("r"));
    stream.open(sub, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    store.release();
    for (int i = 0; i < 200 && peer->sent().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(peer->sent(), std::vector<std::string>{early.id});
    stream.close(sub);
  }
  bus.unsubscribe(&store);
}

// Verifies a subscription without backfill is live at once.
TEST(EventStream, WithoutBackfillIsLiveAtOnce) {
  store::testing::TempDatabase t;
  events::EventBus bus;
  EventStream stream(bus, t.db());
  auto peer = std::make_shared<FakePeer>();
  auto sub = std::make_shared<EventSubscription>(peer, filter_for("r"));
  stream.open(sub, false);
  auto e = make_event("e", resource("r"), {}, core::SystemClock().now());
  bus.publish({e});
  bus.flush();
  EXPECT_EQ(peer->sent(), std::vector<std::string>{e.id});
  stream.close(sub);
}

}  // namespace
}  // namespace praetor::api
