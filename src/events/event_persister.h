// Stores received events for /events/filter, /events/out backfill and the UI (Prefect's
// server/events/services/event_persister.py). Each event becomes one `event` row (the whole
// ReceivedEvent JSON in `doc`) and one `event_resource` row per involved resource: the
// primary resource with role '' and each related resource with its role.
//
// Writes are idempotent on the event id (INSERT OR IGNORE): a client that resends events
// after a reconnect, or a second replica, cannot duplicate them.
//
// Threading: on_events (the bus dispatcher) only queues; a writer thread takes everything
// queued and stores it with one db.write, so a slow commit never holds up the bus and a
// burst of events shares one transaction. The queue is bounded (kMaxQueued): on_events
// waits for room, which holds up the bus, whose backlog pauses the /events/in readers, so a
// fast sender is slowed by TCP flow control instead of growing memory. The destructor
// writes what is queued, then stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "events/event_bus.h"
#include "store/database.h"

namespace praetor::events {

// Inserts the events and their resource rows on `c`; rows whose id is already stored are
// skipped. Returns how many events were new.
int64_t write_events(store::Connection& c, const std::vector<Event>& events);
// The same, returning the ids of the events that were new.
std::vector<std::string> write_new_events(store::Connection& c, const std::vector<Event>& events);

// One event's rows, made before a write transaction so that the transaction only binds
// and runs them: the `event` row and one `event_resource` row per involved resource (the
// primary resource with role '', each related resource with its role).
struct EventRow {
  struct Resource {
    std::string resource_id;
    std::string role;
    std::string labels;  // JSON, without the id and role labels
  };
  std::string id;
  int64_t occurred;
  int64_t received;
  std::string event;
  std::string resource_id;
  std::optional<std::string> follows;
  std::string doc;  // the ReceivedEvent JSON
  std::vector<Resource> resources;
};
std::vector<EventRow> event_rows(const Event* begin, const Event* end);
// write_new_events() for rows made by event_rows().
std::vector<std::string> write_event_rows(store::Connection& c, const std::vector<EventRow>& rows);

class EventPersister final : public EventSubscriber {
 public:
  static constexpr std::size_t kMaxQueued = 2000;
  // Events per bulk write: small enough that an interactive write waiting behind one waits
  // a few milliseconds. W12 (quick, idle 2-core machine), W1's p99 under the W2 flood over its
  // idle p99: 4.3x at 200 rows, 3.2-3.4x at 100, 2.88-3.55x at 50 (six runs), 2.29-2.61x at 25
  // (three runs; target 3x). The size does not show in W2's own rate: full W2, three runs
  // each, 5,220-6,139 events/s at 25 against 5,712-5,983 with 200-row writes whenever no
  // orchestration write was waiting.
  static constexpr std::size_t kEventsPerWrite = 25;

  // `db` must outlive the persister. With a `replica_id`, each write also notifies the
  // other replicas of the new events' ids (events/replica_feed.h), delivered at commit.
  explicit EventPersister(store::Database& db, std::string replica_id = {});
  ~EventPersister() override;
  EventPersister(const EventPersister&) = delete;
  EventPersister& operator=(const EventPersister&) = delete;

  void on_events(const std::vector<Event>& batch) override;

  // How long a batch is retried while the database answers kUnavailable.
  static constexpr std::chrono::seconds kRetryFor{60};
  // Blocks until every event queued before the call has been written (or failed).
  void flush();
  void wait_until_handled() override { flush(); }

 private:
  void run();

  store::Database& db_;
  std::string replica_id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::condition_variable room_cv_;
  std::vector<Event> queue_;
  uint64_t queued_ = 0;   // events ever queued
  uint64_t handled_ = 0;  // events ever taken and written (or failed)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace praetor::events
