#include "api/event_stream.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/json_util.h"
#include "events/event_query.h"
#include "metrics/registry.h"

namespace praetor::api {

namespace json = boost::json;

void EventSubscription::send(const json::object& event) {
  static auto& sent = metrics::default_registry()
                          .counter("praetor_events_sent_total", "Events sent to /api/events/out subscribers.")
                          .get();
  sent.inc();
  peer_->send_text(core::to_json_text(json::object{{"type", "event"}, {"event", event}}));
}

void EventSubscription::deliver(const events::Event& e) {
  std::lock_guard lock(mu_);
  if (!live_) {
    if (held_.size() < kBacklog) held_.push_back(e);
    return;
  }
  if (!backfilled_.empty() && backfilled_.erase(e.id) > 0) return;
  send(events::to_json(e));
}

void EventSubscription::send_backfill(const json::object& event) {
  std::lock_guard lock(mu_);
  if (const json::string* id = event.contains("id") ? event.at("id").if_string() : nullptr) {
    backfilled_.insert(std::string(*id));
  }
  send(event);
}

void EventSubscription::go_live() {
  std::lock_guard lock(mu_);
  for (const auto& e : held_) {
    if (backfilled_.erase(e.id) > 0) continue;
    send(events::to_json(e));
  }
  held_.clear();
  live_ = true;
}

EventStream::EventStream(events::EventBus& bus, store::Database& db)
    : bus_(bus), db_(db), worker_([this] { run_backfills(); }) {
  bus_.subscribe(this, /*include_remote=*/true);
}

EventStream::~EventStream() {
  bus_.unsubscribe(this);
  bus_.flush();  // a delivery already under way has finished after this
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  worker_.join();
}

void EventStream::on_events(const std::vector<events::Event>& batch) {
  std::vector<std::shared_ptr<EventSubscription>> subscriptions;
  {
    std::lock_guard lock(mu_);
    if (subscriptions_.empty()) return;
    subscriptions = subscriptions_;
  }
  for (const auto& e : batch) {
    for (const auto& s : subscriptions) {
      if (!s->closed() && events::matches(s->filter(), e)) s->deliver(e);
    }
  }
}

void EventStream::open(const std::shared_ptr<EventSubscription>& subscription, bool backfill) {
  std::lock_guard lock(mu_);
  // Registered before the backfill query runs (which waits for the events published before
  // now to be stored), so no event falls between the two.
  subscriptions_.push_back(subscription);
  if (backfill) {
    backfills_.push_back(subscription);
    work_cv_.notify_one();
  } else {
    subscription->go_live();
  }
}

void EventStream::close(const std::shared_ptr<EventSubscription>& subscription) {
  subscription->mark_closed();
  std::lock_guard lock(mu_);
  subscriptions_.erase(std::remove(subscriptions_.begin(), subscriptions_.end(), subscription), subscriptions_.end());
}

void EventStream::run_backfills() {
  for (;;) {
    std::shared_ptr<EventSubscription> next;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !backfills_.empty(); });
      if (stopping_) return;
      next = std::move(backfills_.front());
      backfills_.pop_front();
    }
    try {
      // An event published before the subscription was registered did not reach it live;
      // the backfill finds it once the persister has stored it.
      bus_.settle();
      backfill(*next);
    } catch (const std::exception& e) {
      spdlog::error("events/out backfill failed: {}", e.what());
    }
    next->go_live();
  }
}

void EventStream::backfill(EventSubscription& subscription) {
  // Keyset pages, each its own short read: the WAL is never held across pages.
  std::optional<events::EventCursor> after;
  while (!subscription.closed()) {
    auto page = db_.read<events::EventPage>([&](store::Connection& c) -> core::Result<events::EventPage> {
      return events::read_events_page(c, subscription.filter(), kBackfillPageSize, after);
    });
    if (!page) {
      spdlog::warn("events/out backfill stopped: {}", page.error().message);
      return;
    }
    for (const auto& e : page->events) subscription.send_backfill(e);
    if (static_cast<int64_t>(page->events.size()) < kBackfillPageSize) return;
    after = page->last;
  }
}

}  // namespace praetor::api
