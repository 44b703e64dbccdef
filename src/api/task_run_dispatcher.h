// Delivery of background task runs to task workers (Prefect's /task_runs/subscriptions/
// scheduled with its TaskQueue and task-worker tracker), over the database queue of
// store/task_run_queue.h so that every replica serves one queue.
//
// A subscriber holds at most one unacknowledged run, as Prefect's loop does: the dispatcher
// claims the next run for an idle subscriber's task keys (retry queue first), sends the task
// run, and waits for {"type":"ack"}, which removes the run from the queue. A subscriber that
// goes away (or answers anything but "ack") before acknowledging returns its run to the
// retry queue for another worker; an acknowledged run is the worker's (Prefect does not
// redeliver it when the worker dies later). Runs whose state moved on, or that were deleted,
// while queued are dropped instead of sent.
//
// Threading: subscribe, acknowledge and unsubscribe only queue work and may be called from
// I/O threads; one dispatcher thread does every database call and every send. It wakes on
// that work, on wake() (a local enqueue), and every kPollInterval for runs other replicas
// queued. The destructor joins it; the database must outlive this object.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/context.h"
#include "api/websocket.h"

namespace praetor::api {

class TaskRunSubscriber {
 public:
  TaskRunSubscriber(std::shared_ptr<WebSocketPeer> peer, std::string client_id, std::vector<std::string> task_keys);

  const std::string& client_id() const { return client_id_; }
  const std::vector<std::string>& task_keys() const { return task_keys_; }
  // Unique per socket: the owner of this subscriber's claim in the queue.
  const std::string& owner() const { return owner_; }
  WebSocketPeer& peer() { return *peer_; }

 private:
  friend class TaskRunDispatcher;
  std::shared_ptr<WebSocketPeer> peer_;
  const std::string client_id_;
  const std::vector<std::string> task_keys_;
  const std::string owner_;
  // Guarded by the dispatcher's mutex.
  std::optional<std::string> in_flight_;  // the run sent and not yet acknowledged
  bool closed_ = false;
};

class TaskRunDispatcher {
 public:
  explicit TaskRunDispatcher(ApiContext& ctx);
  ~TaskRunDispatcher();
  TaskRunDispatcher(const TaskRunDispatcher&) = delete;
  TaskRunDispatcher& operator=(const TaskRunDispatcher&) = delete;

  void subscribe(const std::shared_ptr<TaskRunSubscriber>& subscriber);
  // The subscriber's "ack"; ignored when no run is in flight to it.
  void acknowledge(const std::shared_ptr<TaskRunSubscriber>& subscriber);
  // The socket closed, or broke the protocol: its unacknowledged run goes back to the queue.
  void unsubscribe(const std::shared_ptr<TaskRunSubscriber>& subscriber);
  // A run was queued on this replica.
  void wake();

  static constexpr std::chrono::milliseconds kPollInterval{250};
  // Claims and worker sightings are refreshed this often; a claim or worker not refreshed
  // for kStaleAfter is taken to be gone (its replica died).
  static constexpr std::chrono::seconds kRefreshInterval{5};
  static constexpr std::chrono::seconds kStaleAfter{30};

 private:
  struct Work {
    std::vector<std::shared_ptr<TaskRunSubscriber>> observed;  // subscribed or acknowledged
    std::vector<std::string> acknowledged;                     // task run ids
    std::vector<std::pair<std::string, std::string>> released;  // (task run id, owner)
    std::vector<std::string> forgotten;                         // client ids
  };
  void run();
  void do_work(const Work& work);
  void refresh();
  void deliver(const std::shared_ptr<TaskRunSubscriber>& subscriber);

  ApiContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<TaskRunSubscriber>> subscribers_;
  Work work_;
  bool woken_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_refresh_{};
  std::thread thread_;
};

}  // namespace praetor::api
