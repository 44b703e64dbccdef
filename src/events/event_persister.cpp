#include "events/event_persister.h"

#include "core/json_util.h"
#include "core/thread_role.h"

#include <chrono>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "events/replica_feed.h"
#include "store/bulk_insert.h"
#include "store/dialect.h"

namespace praetor::events {

namespace json = boost::json;

namespace {

// Prefect stores a resource's labels without the two that have their own columns.
std::string labels_without_id_and_role(const json::object& resource) {
  json::object labels;
  for (const auto& kv : resource) {
    if (kv.key() == "prefect.resource.id" || kv.key() == "prefect.resource.role") continue;
    labels.emplace(kv.key(), kv.value());
  }
  return json::serialize(labels);
}

}  // namespace

int64_t write_events(store::Connection& c, const std::vector<Event>& events) {
  return static_cast<int64_t>(write_new_events(c, events).size());
}

std::vector<std::string> write_new_events(store::Connection& c, const std::vector<Event>& events) {
  return write_event_rows(c, event_rows(events.data(), events.data() + events.size()));
}

std::vector<EventRow> event_rows(const Event* begin, const Event* end) {
  std::vector<EventRow> rows;
  rows.reserve(static_cast<std::size_t>(end - begin));
  for (const Event* e = begin; e != end; ++e) {
    EventRow row{e->id, core::to_micros(e->occurred), core::to_micros(e->received), e->event,
                 core::string_at(e->resource, "prefect.resource.id"), e->follows, json::serialize(to_json(*e)), {}};
    row.resources.push_back({row.resource_id, "", labels_without_id_and_role(e->resource)});
    for (const auto& r : e->related) {
      if (const json::object* o = r.if_object())
        row.resources.push_back({core::string_at(*o, "prefect.resource.id"), core::string_at(*o, "prefect.resource.role"),
                                 labels_without_id_and_role(*o)});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> write_event_rows(store::Connection& c, const std::vector<EventRow>& rows) {
  // Multi-row statements (store/bulk_insert.h): a batch of events costs a few round trips on
  // PostgreSQL, not two or more per event.
  store::BulkInsert event_inserts("event", {"id", "occurred", "received", "event", "resource_id", "follows", "doc"},
                                  "ON CONFLICT DO NOTHING RETURNING id");
  for (const EventRow& e : rows)
    event_inserts.add({e.id, e.occurred, e.received, e.event, e.resource_id, e.follows, e.doc});
  const auto returned = event_inserts.run(c);
  std::unordered_set<std::string> stored(returned.begin(), returned.end());
  // An event already stored has its resource rows already: they are skipped, as Prefect does.
  store::BulkInsert resource_inserts("event_resource",
                                     {"event_id", "occurred", "resource_id", "resource_role", "resource"},
                                     "ON CONFLICT DO NOTHING");
  std::vector<std::string> inserted;
  for (const EventRow& e : rows) {
    if (stored.erase(e.id) == 0) continue;  // not new, or a repeat within the batch
    inserted.push_back(e.id);
    for (const auto& r : e.resources) resource_inserts.add({e.id, e.occurred, r.resource_id, r.role, r.labels});
  }
  resource_inserts.run(c);
  return inserted;
}

EventPersister::EventPersister(store::Database& db, std::string replica_id)
    : db_(db), replica_id_(std::move(replica_id)), thread_([this] { run(); }) {}

EventPersister::~EventPersister() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventPersister::on_events(const std::vector<Event>& batch) {
  if (batch.empty()) return;
  {
    std::unique_lock lock(mu_);
    room_cv_.wait(lock, [&] { return stopping_ || queue_.size() < kMaxQueued; });
    queue_.insert(queue_.end(), batch.begin(), batch.end());
    queued_ += batch.size();
  }
  cv_.notify_one();
}

void EventPersister::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = queued_;
  idle_cv_.wait(lock, [&] { return handled_ >= target; });
}

void EventPersister::run() {
  core::make_this_thread_background("praetor-persist");
  for (;;) {
    std::vector<Event> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    room_cv_.notify_all();
    // In bulk writes of at most kEventsPerWrite, so a flood of events never holds the
    // writer for long (store/database.h: write_bulk). Storing is idempotent (events already
    // stored are skipped), so a retry after a partial failure stores each event once.
    // The rows are made here, before each write: the writer (shared with orchestration)
    // only binds and runs them.
    auto write = [&]() -> core::Result<int64_t> {
      int64_t stored = 0;
      for (std::size_t start = 0; start < batch.size(); start += kEventsPerWrite) {
        const std::vector<EventRow> chunk =
            event_rows(batch.data() + start, batch.data() + std::min(batch.size(), start + kEventsPerWrite));
        auto written = db_.write_bulk<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
          auto ids = write_event_rows(c, chunk);
          if (!replica_id_.empty()) notify_new_events(c, replica_id_, ids);
          return static_cast<int64_t>(ids.size());
        });
        if (!written) return written.error();
        stored += *written;
      }
      return stored;
    };
    auto written = write();
    // An unavailable database (busy, PostgreSQL restarting, a lost connection) is retried
    // with backoff for up to kRetryFor, and until stopping; anything else is logged and the
    // batch dropped.
    auto backoff = std::chrono::milliseconds(50);
    const auto give_up = std::chrono::steady_clock::now() + kRetryFor;
    while (!written && written.error().kind == core::ErrorKind::kUnavailable &&
           std::chrono::steady_clock::now() < give_up) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, backoff, [&] { return stopping_; })) {
          lock.unlock();
          written = write();  // one last attempt on the way out
          break;
        }
      }
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(2));
      written = write();
    }
    if (!written) spdlog::error("could not store {} events: {}", batch.size(), written.error().message);
    {
      std::lock_guard lock(mu_);
      handled_ += batch.size();
    }
    idle_cv_.notify_all();
  }
}

}  // namespace praetor::events
