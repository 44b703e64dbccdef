#include "events/event_bus.h"
#include "core/thread_role.h"

#include "metrics/registry.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace praetor::events {

EventBus::EventBus() : thread_([this] { run(); }) {}

EventBus::~EventBus() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventBus::publish(std::vector<Event> batch, Origin origin) {
  if (batch.empty()) return;
  static auto& received = metrics::default_registry().counter(
      "praetor_events_received_total",
      "Events entering this replica's event bus: origin=local (sent by clients or emitted here), origin=remote "
      "(stored by another replica).",
      {"origin"});
  static auto& local = received.labels({"local"});
  static auto& remote = received.labels({"remote"});
  (origin == Origin::kLocal ? local : remote).inc(static_cast<double>(batch.size()));
  {
    std::lock_guard lock(mu_);
    for (const auto& s : at_publish_) {
      if (origin == Origin::kLocal || s.include_remote) s.subscriber->on_events(batch);
    }
    backlog_ += batch.size();
    queue_.push_back({std::move(batch), origin});
    ++published_;
  }
  cv_.notify_one();
}

void EventBus::subscribe(EventSubscriber* subscriber, bool include_remote) {
  std::lock_guard lock(mu_);
  subscribers_.push_back({subscriber, include_remote});
}

void EventBus::subscribe_at_publish(EventSubscriber* subscriber, bool include_remote) {
  std::lock_guard lock(mu_);
  at_publish_.push_back({subscriber, include_remote});
}

void EventBus::unsubscribe(EventSubscriber* subscriber) {
  std::lock_guard lock(mu_);
  for (auto* list : {&subscribers_, &at_publish_}) {
    list->erase(std::remove_if(list->begin(), list->end(), [&](const Subscription& s) { return s.subscriber == subscriber; }),
                list->end());
  }
}

void EventBus::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = published_;
  idle_cv_.wait(lock, [&] { return delivered_ >= target; });
}

void EventBus::settle() {
  flush();
  std::vector<Subscription> subscribers;
  {
    std::lock_guard lock(mu_);
    subscribers = subscribers_;
  }
  for (const auto& s : subscribers) s.subscriber->wait_until_handled();
}

std::size_t EventBus::backlog() {
  std::lock_guard lock(mu_);
  return backlog_;
}

void EventBus::when_backlog_below(std::size_t limit, std::function<void()> on_room) {
  {
    std::lock_guard lock(mu_);
    if (backlog_ >= limit) {
      room_waiters_.emplace_back(limit, std::move(on_room));
      return;
    }
  }
  on_room();
}

void EventBus::run() {
  core::make_this_thread_background("praetor-bus");
  // Everything queued while subscribers were busy is delivered as one batch, so a burst of
  // single-event publishes (one per /events/in frame) costs subscribers one write, not one
  // commit each.
  constexpr size_t kMaxBatch = 1000;
  for (;;) {
    std::vector<Event> batch;
    std::vector<Subscription> subscribers;
    uint64_t taken = 0;
    Origin origin = Origin::kLocal;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      origin = queue_.front().origin;
      while (!queue_.empty() && queue_.front().origin == origin &&
             (batch.empty() || batch.size() + queue_.front().events.size() <= kMaxBatch)) {
        auto& next = queue_.front().events;
        if (batch.empty()) {
          batch = std::move(next);
        } else {
          batch.insert(batch.end(), std::make_move_iterator(next.begin()), std::make_move_iterator(next.end()));
        }
        queue_.pop_front();
        ++taken;
      }
      subscribers = subscribers_;
    }
    for (const auto& [s, include_remote] : subscribers) {
      if (origin == Origin::kRemote && !include_remote) continue;
      try {
        s->on_events(batch);
      } catch (const std::exception& e) {
        spdlog::error("event subscriber failed on a batch of {}: {}", batch.size(), e.what());
      }
    }
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(mu_);
      delivered_ += taken;
      backlog_ -= batch.size();
      auto keep = std::remove_if(room_waiters_.begin(), room_waiters_.end(), [&](auto& w) {
        if (backlog_ >= w.first) return false;
        ready.push_back(std::move(w.second));
        return true;
      });
      room_waiters_.erase(keep, room_waiters_.end());
    }
    idle_cv_.notify_all();
    for (auto& f : ready) f();
  }
}

}  // namespace praetor::events
