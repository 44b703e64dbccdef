// The /logs/out fan-out (Prefect's server/logs/stream.py distributor): logs stored by
// POST /logs go, after their commit, to every open subscription whose filter matches them.
// Live only: Prefect's /logs/out has no backfill (the client's filter starts a minute back
// and it drops the ids it has seen, so a reconnect loses nothing it can recover).
//
// Across replicas that share a PostgreSQL database: the write that stores logs also
// notifies their ids on kLogsChannel ("<replica id> <id>,<id>,…", as replica_feed.h); each
// replica's feed thread loads the logs another replica stored and hands them to its own
// subscribers. Notifications sent while a listener's session is down are missed.
//
// Threading: publish, open and close may be called from any thread; sends only queue
// (WebSocketPeer::send_text). The destructor joins the feed thread; the database must
// outlive this object.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "api/log_stream_filter.h"
#include "api/websocket.h"
#include "store/database.h"
#include "store/notifications.h"

namespace praetor::api {

inline constexpr const char* kLogsChannel = "praetor_logs";

class LogSubscription {
 public:
  LogSubscription(std::shared_ptr<WebSocketPeer> peer, LogStreamFilter filter)
      : peer_(std::move(peer)), filter_(std::move(filter)) {}
  const LogStreamFilter& filter() const { return filter_; }
  // Sends an already encoded {"type":"log","log":…} message.
  void send(std::string message) { peer_->send_text(std::move(message)); }

 private:
  std::shared_ptr<WebSocketPeer> peer_;
  const LogStreamFilter filter_;
};

class LogStream {
 public:
  // `listener` is null on SQLite (no other replicas): then there is no feed thread.
  LogStream(store::Database& db, std::unique_ptr<store::NotificationListener> listener);
  ~LogStream();
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  // Inside the write that stores `logs` (core::log_model() objects): tells the other
  // replicas (no-op on SQLite).
  void announce(store::Connection& c, const std::vector<boost::json::object>& logs) const;
  // After that write committed: sends the logs to this replica's matching subscriptions.
  void publish(const std::vector<boost::json::object>& logs);

  void open(const std::shared_ptr<LogSubscription>& subscription);
  void close(const std::shared_ptr<LogSubscription>& subscription);

 private:
  void run_feed();

  store::Database& db_;
  const std::string replica_id_;
  std::unique_ptr<store::NotificationListener> listener_;
  std::mutex mu_;
  std::vector<std::shared_ptr<LogSubscription>> subscriptions_;
  std::atomic<bool> stopping_{false};
  std::thread feed_;
};

}  // namespace praetor::api
