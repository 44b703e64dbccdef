#include "events/ingest_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
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
  std::vector<std::string> seen() {
    std::lock_guard lock(mu);
    return ids;
  }
  std::mutex mu;
  std::vector<std::string> ids;
};

std::vector<Event> events(std::initializer_list<const char*> ids) {
  std::vector<Event> out;
  for (const char* id : ids) {
    Event e;
    e.id = id;
    out.push_back(e);
  }
  return out;
}

void wait_open(const IngestBuffer& buffer) {
  while (!buffer.open()) std::this_thread::yield();
}

// Verifies events accepted while the database is not ready are held (nothing reaches the
// bus), then published in arrival order once it is, ahead of events accepted later.
TEST(IngestBuffer, HoldsUntilReadyThenPublishesInOrder) {
  Recorder r;
  EventBus bus;
  bus.subscribe(&r);
  std::atomic<bool> ready{false};
  IngestBuffer buffer(bus, [&] { return ready.load(); }, 10, std::chrono::milliseconds(1));
  EXPECT_EQ(buffer.accept(events({"a", "b"})), IngestBuffer::Admission::kAccepted);
  EXPECT_EQ(buffer.accept(events({"c"})), IngestBuffer::Admission::kAccepted);
  bus.flush();
  EXPECT_TRUE(r.seen().empty());
  EXPECT_EQ(buffer.held(), 3u);
  ready = true;
  wait_open(buffer);
  EXPECT_EQ(buffer.accept(events({"d"})), IngestBuffer::Admission::kAccepted);
  bus.flush();
  EXPECT_EQ(r.seen(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(buffer.held(), 0u);
}

// Verifies a full buffer refuses a batch whole (so the client can resend it) and keeps
// what it holds.
TEST(IngestBuffer, RefusesBeyondCapacity) {
  Recorder r;
  EventBus bus;
  bus.subscribe(&r);
  std::atomic<bool> ready{false};
  IngestBuffer buffer(bus, [&] { return ready.load(); }, 3, std::chrono::milliseconds(1));
  EXPECT_EQ(buffer.accept(events({"a", "b"})), IngestBuffer::Admission::kAccepted);
  EXPECT_EQ(buffer.accept(events({"c", "d"})), IngestBuffer::Admission::kFull);
  EXPECT_EQ(buffer.accept(events({"c"})), IngestBuffer::Admission::kAccepted);
  EXPECT_EQ(buffer.accept(events({"e"})), IngestBuffer::Admission::kFull);
  ready = true;
  wait_open(buffer);
  bus.flush();
  EXPECT_EQ(r.seen(), (std::vector<std::string>{"a", "b", "c"}));
}

// Verifies a database that is ready from the start makes the buffer a pass-through.
TEST(IngestBuffer, PassesThroughWhenReady) {
  Recorder r;
  EventBus bus;
  bus.subscribe(&r);
  IngestBuffer buffer(bus, [] { return true; }, 1, std::chrono::milliseconds(1));
  wait_open(buffer);
  EXPECT_EQ(buffer.accept(events({"a", "b", "c"})), IngestBuffer::Admission::kAccepted);
  bus.flush();
  EXPECT_EQ(r.seen().size(), 3u);
}

}  // namespace
}  // namespace praetor::events
