#include "automations/bus_feed.h"

namespace praetor::automations {

BusFeed::BusFeed(events::EventBus& bus, std::size_t capacity) : bus_(bus), capacity_(capacity) {
  bus_.subscribe_at_publish(this, /*include_remote=*/true);
}

BusFeed::~BusFeed() { bus_.unsubscribe(this); }

void BusFeed::on_events(const std::vector<events::Event>& batch) {
  std::lock_guard lock(mu_);
  const bool idle = std::chrono::steady_clock::now() - last_take_ > kIdleAfter;
  if (idle || events_.size() + batch.size() > capacity_) {
    std::vector<events::Event>().swap(events_);
    dropped_ = true;
    return;
  }
  events_.insert(events_.end(), batch.begin(), batch.end());
}

BusFeed::Taken BusFeed::take() {
  std::lock_guard lock(mu_);
  Taken taken;
  taken.events.swap(events_);
  taken.complete = !dropped_;
  dropped_ = false;
  last_take_ = std::chrono::steady_clock::now();
  return taken;
}

void BusFeed::clear() {
  std::lock_guard lock(mu_);
  std::vector<events::Event>().swap(events_);
}

}  // namespace praetor::automations
