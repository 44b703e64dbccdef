// Events across replicas that share a PostgreSQL database (DESIGN.md §3): a subscriber of
// /events/out on replica B sees the events replica A received. After A's persister commits
// new events it notifies their ids on kEventsChannel (store/notifications.h, delivered at
// commit); each replica's ReplicaEventFeed listens, loads the events it did not publish
// itself from the event table, and publishes them on its bus as Origin::kRemote, which only
// the /events/out fan-out takes (A already stored and recorded them).
//
// Payload: "<replica id> <event id>,<event id>,…", split to fit PostgreSQL's payload limit.
// A replica's own notifications are skipped by its id, so locally published events are not
// delivered twice. Notifications sent while a listener's session is down are missed.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/timestamp.h"
#include "events/event_bus.h"
#include "store/database.h"
#include "store/notifications.h"

namespace praetor::events {

inline constexpr const char* kEventsChannel = "praetor_events";

// The notification payloads that announce `ids`, each under the payload limit.
std::vector<std::string> event_notification_payloads(const std::string& replica_id, const std::vector<std::string>& ids);

struct EventNotification {
  std::string replica_id;
  std::vector<std::string> ids;
};
// Nullopt for a payload not in the form above.
std::optional<EventNotification> parse_event_notification(std::string_view payload);

// Notifies the other replicas of `ids` inside the caller's write (no-op on SQLite).
void notify_new_events(store::Connection& c, const std::string& replica_id, const std::vector<std::string>& ids);

// Stored events by id, oldest first, as the ReceivedEvents they were stored as.
core::Result<std::vector<Event>> load_events(store::Connection& c, const std::vector<std::string>& ids,
                                             core::Timestamp now);

class ReplicaEventFeed {
 public:
  // Starts listening at once; `db`, `bus` and `clock` must outlive the feed.
  ReplicaEventFeed(std::unique_ptr<store::NotificationListener> listener, store::Database& db, EventBus& bus,
                   const core::Clock& clock, std::string replica_id);
  ~ReplicaEventFeed();
  ReplicaEventFeed(const ReplicaEventFeed&) = delete;
  ReplicaEventFeed& operator=(const ReplicaEventFeed&) = delete;

 private:
  void run();

  std::unique_ptr<store::NotificationListener> listener_;
  store::Database& db_;
  EventBus& bus_;
  const core::Clock& clock_;
  std::string replica_id_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace praetor::events
