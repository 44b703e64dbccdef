// The server side of the worker channel (/api/work_pools/{name}/workers/connect, Prefect's
// api/workers.py worker_channel_connect and utilities/worker_channel.py): sets a worker's
// connection up from its hello, persists its heartbeats, and sends it a new work-pool
// snapshot whenever the pool's base job template, concurrency limit, pause or storage
// configuration changes — whichever replica changed it.
//
// Per connection, what is still to do is bounded: one pending snapshot (Prefect's snapshot
// buffer of one: a newer change replaces a pending one, and the snapshot read when it is
// sent shows every change), one pending heartbeat (a newer heartbeat replaces it), and at
// most kMaxPendingCleanupResults cleanup-operation answers (a worker exceeding it is closed
// with transient_server_error).
//
// Across replicas that share a PostgreSQL database: the write that changes a pool notifies
// "<replica id> <pool id> <reason>" on kWorkerChannelChannel; each replica's feed thread
// queues a snapshot for its own connections to that pool. A notification missed while a
// replica's listening session is down is made up at the worker's next heartbeat, which
// compares the pool's `updated` with the snapshot last sent (Prefect's
// "heartbeat_reconciliation").
//
// Threading: open, heartbeat, cleanup_operation, close and publish only queue work and may
// be called from I/O threads; one hub thread does every database call and every send. The
// destructor joins the threads; the database must outlive this object.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/context.h"
#include "api/websocket.h"
#include "api/worker_channel_protocol.h"
#include "core/timestamp.h"
#include "store/notifications.h"

namespace praetor::api {

inline constexpr const char* kWorkerChannelChannel = "praetor_worker_channel";

class WorkerChannelConnection {
 public:
  WorkerChannelConnection(std::shared_ptr<WebSocketPeer> peer, std::string pool_name, worker_channel::Hello hello)
      : peer_(std::move(peer)), pool_name_(std::move(pool_name)), hello_(std::move(hello)) {}
  const worker_channel::Hello& hello() const { return hello_; }

 private:
  friend class WorkerChannelHub;
  const std::shared_ptr<WebSocketPeer> peer_;
  const std::string pool_name_;
  const worker_channel::Hello hello_;
  // Guarded by the hub's mutex.
  bool set_up_ = false;  // the setup ran (ready sent, or closed)
  bool ready_ = false;   // ready sent: snapshots may follow
  bool closed_ = false;
  std::string pool_id_;
  core::Timestamp pool_updated_{};  // the `updated` of the pool in the last snapshot sent
  int64_t next_sequence_ = 2;
  std::optional<std::string> pending_snapshot_;  // its reason
  bool heartbeat_pending_ = false;
  std::deque<worker_channel::CleanupOperation> pending_cleanup_results_;
};

class WorkerChannelHub {
 public:
  // `listener` is null on SQLite (no other replicas): then there is no feed thread.
  WorkerChannelHub(ApiContext& ctx, std::unique_ptr<store::NotificationListener> listener);
  ~WorkerChannelHub();
  WorkerChannelHub(const WorkerChannelHub&) = delete;
  WorkerChannelHub& operator=(const WorkerChannelHub&) = delete;

  static constexpr std::size_t kMaxPendingCleanupResults = 16;

  // The hello was read: set the connection up (ready frame, or a close with the reason).
  void open(const std::shared_ptr<WorkerChannelConnection>& connection);
  // A valid heartbeat frame from the connection's worker.
  void heartbeat(const std::shared_ptr<WorkerChannelConnection>& connection);
  // A cleanup operation frame; answered "unauthorized" (cleanup delivery is not served).
  void cleanup_operation(const std::shared_ptr<WorkerChannelConnection>& connection,
                         worker_channel::CleanupOperation operation);
  // The socket closed, or the connection is being closed with `reason` (sent to the peer).
  void close(const std::shared_ptr<WorkerChannelConnection>& connection,
             std::optional<worker_channel::ChannelError> reason = std::nullopt);

  // Inside the write that changed or deleted pool `pool_id`: tells the other replicas
  // (no-op on SQLite).
  void announce(store::Connection& c, const std::string& pool_id, const std::string& reason) const;
  // After that write committed: queues a snapshot for this replica's connections to the pool
  // (a deleted pool closes them with authorization_failed, as Prefect's server does).
  void publish(const std::string& pool_id, const std::string& reason);

 private:
  void run();
  void run_feed();
  void serve(const std::shared_ptr<WorkerChannelConnection>& connection);
  void set_up(const std::shared_ptr<WorkerChannelConnection>& connection);
  void persist_heartbeat(const std::shared_ptr<WorkerChannelConnection>& connection);
  void send_snapshot(const std::shared_ptr<WorkerChannelConnection>& connection, const std::string& reason);
  bool has_work(const WorkerChannelConnection& connection) const;

  ApiContext& ctx_;
  const std::string replica_id_;
  std::unique_ptr<store::NotificationListener> listener_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<WorkerChannelConnection>> connections_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::thread feed_;
};

}  // namespace praetor::api
