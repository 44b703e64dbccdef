#include "api/worker_channel_hub.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "api/work_pool_events.h"
#include "runs/readiness_events.h"
#include "core/uuid.h"
#include "metrics/registry.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace wc = worker_channel;

namespace {

// Prefect's prefect_worker_channel_connections_total under Praetor's prefix.
void count_connection(const char* event) {
  static auto& family = metrics::default_registry().counter(
      "praetor_worker_channel_connections_total",
      "Worker channel (/api/work_pools/{name}/workers/connect) connection events: opened, closed, setup_failed.",
      {"event"});
  family.labels({event}).inc();
}

void count_snapshot() {
  static auto& sent = metrics::default_registry().counter("praetor_worker_channel_snapshots_total",
                                                          "Work-pool snapshots sent to workers.");
  sent.get().inc();
}

std::optional<int64_t> pool_slots(store::Connection& c, const core::WorkPool& p) {
  if (!p.concurrency_limit) return std::nullopt;
  return store::work_pools::active_runs(c, p.id);
}

struct PoolView {
  core::WorkPool pool;
  boost::json::object json;
};

PoolView view_of(store::Connection& c, core::WorkPool pool) {
  auto json = core::work_pool_response(core::to_object(pool), pool_slots(c, pool));
  return PoolView{std::move(pool), std::move(json)};
}

}  // namespace

WorkerChannelHub::WorkerChannelHub(ApiContext& ctx, std::unique_ptr<store::NotificationListener> listener)
    : ctx_(ctx), replica_id_(core::new_uuid4()), listener_(std::move(listener)) {
  thread_ = std::thread([this] { run(); });
  if (listener_) feed_ = std::thread([this] { run_feed(); });
}

WorkerChannelHub::~WorkerChannelHub() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (feed_.joinable()) feed_.join();
}

void WorkerChannelHub::open(const std::shared_ptr<WorkerChannelConnection>& connection) {
  {
    std::lock_guard lock(mu_);
    connections_.push_back(connection);
    woken_ = true;
  }
  cv_.notify_all();
}

void WorkerChannelHub::heartbeat(const std::shared_ptr<WorkerChannelConnection>& connection) {
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    connection->heartbeat_pending_ = true;
    woken_ = true;
  }
  cv_.notify_all();
}

void WorkerChannelHub::cleanup_operation(const std::shared_ptr<WorkerChannelConnection>& connection,
                                         wc::CleanupOperation operation) {
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    if (connection->pending_cleanup_results_.size() >= kMaxPendingCleanupResults) {
      overflow = true;
    } else {
      connection->pending_cleanup_results_.push_back(std::move(operation));
      woken_ = true;
    }
  }
  if (overflow) {
    return close(connection,
                 wc::ChannelError{wc::CloseReason::kTransientServerError, "cleanup operations backlog full"});
  }
  cv_.notify_all();
}

void WorkerChannelHub::close(const std::shared_ptr<WorkerChannelConnection>& connection,
                             std::optional<wc::ChannelError> reason) {
  bool was_ready = false;
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    connection->closed_ = true;
    was_ready = connection->ready_;
    connections_.erase(std::remove(connections_.begin(), connections_.end(), connection), connections_.end());
  }
  if (reason) {
    spdlog::info("worker channel: pool '{}' worker '{}' closed: {} ({})", connection->pool_name_,
                 connection->hello_.worker_name, wc::close_reason_name(reason->reason), reason->detail);
    connection->peer_->close(wc::close_code(reason->reason), wc::close_reason_name(reason->reason));
  }
  if (was_ready) {
    count_connection("closed");
    spdlog::debug("worker channel: pool '{}' worker '{}' disconnected", connection->pool_name_,
                  connection->hello_.worker_name);
  } else if (reason) {
    count_connection("setup_failed");
  }
}

void WorkerChannelHub::announce(store::Connection& c, const std::string& pool_id, const std::string& reason) const {
  if (c.dialect() != store::Dialect::kPostgres) return;
  store::notify(c, kWorkerChannelChannel, replica_id_ + " " + pool_id + " " + reason);
}

void WorkerChannelHub::publish(const std::string& pool_id, const std::string& reason) {
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& connection : connections_) {
      if (!connection->set_up_ || connection->pool_id_ != pool_id) continue;
      connection->pending_snapshot_ = reason;  // a newer change replaces a pending one
      queued = true;
    }
    if (queued) woken_ = true;
  }
  if (queued) cv_.notify_all();
}

bool WorkerChannelHub::has_work(const WorkerChannelConnection& c) const {
  if (c.closed_) return false;
  if (!c.set_up_) return true;
  return c.heartbeat_pending_ || (c.ready_ && c.pending_snapshot_) || !c.pending_cleanup_results_.empty();
}

void WorkerChannelHub::run() {
  for (;;) {
    std::vector<std::shared_ptr<WorkerChannelConnection>> due;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
      for (const auto& connection : connections_) {
        if (has_work(*connection)) due.push_back(connection);
      }
    }
    for (const auto& connection : due) {
      try {
        serve(connection);
      } catch (const std::exception& e) {
        spdlog::error("worker channel: pool '{}': {}", connection->pool_name_, e.what());
        close(connection, wc::ChannelError{wc::CloseReason::kTransientServerError, "server error"});
      }
    }
  }
}

void WorkerChannelHub::serve(const std::shared_ptr<WorkerChannelConnection>& connection) {
  bool needs_setup = false;
  bool heartbeat = false;
  std::optional<std::string> snapshot;
  std::deque<wc::CleanupOperation> cleanup;
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    needs_setup = !connection->set_up_;
    if (!needs_setup) {
      heartbeat = std::exchange(connection->heartbeat_pending_, false);
      cleanup.swap(connection->pending_cleanup_results_);
    }
  }
  if (needs_setup) return set_up(connection);
  auto now = core::format_timestamp(ctx_.clock.now());
  for (const auto& operation : cleanup) {
    connection->peer_->send_text(wc::cleanup_not_accepted_frame(core::new_uuid7(), now, operation));
  }
  if (heartbeat) persist_heartbeat(connection);
  {
    std::lock_guard lock(mu_);
    if (connection->closed_ || !connection->ready_) return;
    snapshot = std::exchange(connection->pending_snapshot_, std::nullopt);
  }
  if (snapshot) send_snapshot(connection, *snapshot);
}

void WorkerChannelHub::set_up(const std::shared_ptr<WorkerChannelConnection>& connection) {
  const wc::Hello& hello = connection->hello_;
  const std::string& pool_name = connection->pool_name_;
  auto now = ctx_.clock.now();
  struct Setup {
    PoolView view;
    std::vector<wc::ResolvedQueue> queues;
    bool template_set = false;
    bool pool_created = false;  // by this setup: Prefect's create_work_pool emits its event
    std::vector<events::Event> created_events;  // of the pool created for the worker
    std::vector<events::Event> status_events;   // the heartbeat made the pool READY
  };
  std::optional<wc::ChannelError> refusal;
  auto refuse = [&](wc::CloseReason reason, std::string detail) -> core::Error {
    refusal = wc::ChannelError{reason, std::move(detail)};
    return core::Error::invalid("worker channel setup refused");
  };
  auto setup = ctx_.db.write<Setup>([&](store::Connection& c) -> core::Result<Setup> {
    auto pool = store::work_pools::read_by_name(c, pool_name);
    bool created = false;
    if (!pool) {
      // _resolve_worker_channel_work_pool: created only when the worker asks for it.
      if (!hello.create_pool_if_not_found) return refuse(wc::CloseReason::kAuthorizationFailed, "work_pool_not_found");
      if (core::reserved_work_pool_name(pool_name)) {
        return refuse(wc::CloseReason::kAuthorizationFailed, "work_pool_creation_unauthorized");
      }
      core::WorkPool p;
      p.id = core::new_uuid4();
      p.name = pool_name;
      p.type = hello.worker_type;
      p.base_job_template = hello.default_base_job_template;
      p.created = p.updated = now;
      pool = store::work_pools::create(c, p, core::new_uuid4());
      created = pool.has_value();
      if (!created) pool = store::work_pools::read_by_name(c, pool_name);  // created meanwhile
      if (!pool) return refuse(wc::CloseReason::kTransientServerError, "work pool creation failed");
      spdlog::info("worker channel: work pool '{}' created for worker '{}'", pool_name, hello.worker_name);
    }
    Setup s;
    s.pool_created = created;
    if (created) s.created_events = new_work_pool_events(c, core::to_object(*pool), now);
    if (hello.work_queue_names.empty()) {
      for (const auto& q : store::work_pools::list_queues(c, pool->id)) s.queues.push_back({q.id, q.name});
    } else {
      for (const auto& name : hello.work_queue_names) {
        auto q = store::work_pools::read_queue_by_name(c, pool->id, name);
        if (!q) return refuse(wc::CloseReason::kAuthorizationFailed, "work_queue_not_found");
        s.queues.push_back({q->id, q->name});
      }
    }
    // A pool without a base job template takes the worker's default (as the REST sync does).
    if (pool->base_job_template.empty() && !hello.default_base_job_template.empty()) {
      store::work_pools::set_base_job_template(c, pool->id, hello.default_base_job_template, now);
      announce(c, pool->id, "work_pool_updated");
      s.template_set = true;
    }
    if (store::work_pools::record_heartbeat(c, pool->id, hello.worker_name, hello.heartbeat_interval_seconds, now))
      s.status_events = runs::readiness_events(c, store::StatusChanges{.work_pools = {pool->id}}, now);
    auto refreshed = store::work_pools::read(c, pool->id);
    if (!refreshed) return refuse(wc::CloseReason::kTransientServerError, "work pool vanished during setup");
    s.view = view_of(c, std::move(*refreshed));
    return s;
  });
  if (!setup) {
    return close(connection, refusal.value_or(wc::ChannelError{wc::CloseReason::kTransientServerError,
                                                               "setup failed: " + setup.error().message}));
  }
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    connection->set_up_ = true;
    connection->ready_ = true;
    connection->pool_id_ = setup->view.pool.id;
    connection->pool_updated_ = setup->view.pool.updated;
    woken_ = true;  // frames read during the setup are served next
  }
  auto rejected = wc::rejected_capabilities(hello);
  for (const auto& capability : rejected) {
    spdlog::info("worker channel: pool '{}' worker '{}' requested '{}', which Praetor does not serve (rejected)",
                 pool_name, hello.worker_name, capability);
  }
  connection->peer_->send_text(wc::ready_frame(core::new_uuid7(), core::format_timestamp(ctx_.clock.now()), hello,
                                               setup->queues, std::move(setup->view.json)));
  count_connection("opened");
  spdlog::info("worker channel: worker '{}' ({}) connected to pool '{}'", hello.worker_name, hello.worker_type,
               pool_name);
  if (!setup->created_events.empty()) ctx_.events.publish(std::move(setup->created_events));
  if (setup->template_set) publish(setup->view.pool.id, "work_pool_updated");
  if (!setup->status_events.empty()) ctx_.events.publish(std::move(setup->status_events));
}

void WorkerChannelHub::persist_heartbeat(const std::shared_ptr<WorkerChannelConnection>& connection) {
  auto now = ctx_.clock.now();
  const wc::Hello& hello = connection->hello_;
  std::vector<events::Event> status_events;  // the heartbeat made the pool READY
  auto updated = ctx_.db.write<core::Timestamp>([&](store::Connection& c) -> core::Result<core::Timestamp> {
    auto pool = store::work_pools::read_by_name(c, connection->pool_name_);
    if (!pool) return core::Error::not_found("the work pool no longer exists");
    status_events.clear();  // a retried transaction starts again
    if (store::work_pools::record_heartbeat(c, pool->id, hello.worker_name, hello.heartbeat_interval_seconds, now))
      status_events = runs::readiness_events(c, store::StatusChanges{.work_pools = {pool->id}}, now);
    return pool->updated;
  });
  if (updated && !status_events.empty()) ctx_.events.publish(std::move(status_events));
  if (!updated) {
    spdlog::warn("worker channel: pool '{}' worker '{}': heartbeat not persisted: {}", connection->pool_name_,
                 hello.worker_name, updated.error().message);
    return close(connection, wc::ChannelError{wc::CloseReason::kHeartbeatPersistenceFailed, updated.error().message});
  }
  std::lock_guard lock(mu_);
  // A change whose notification was missed shows at the next heartbeat.
  if (*updated != connection->pool_updated_ && !connection->pending_snapshot_) {
    connection->pending_snapshot_ = "heartbeat_reconciliation";
    woken_ = true;
  }
}

void WorkerChannelHub::send_snapshot(const std::shared_ptr<WorkerChannelConnection>& connection,
                                     const std::string& reason) {
  std::string pool_id;
  {
    std::lock_guard lock(mu_);
    pool_id = connection->pool_id_;
  }
  auto view = ctx_.db.read<std::optional<PoolView>>([&](store::Connection& c) -> core::Result<std::optional<PoolView>> {
    auto pool = store::work_pools::read(c, pool_id);
    if (!pool) return std::optional<PoolView>();
    return std::optional<PoolView>(view_of(c, std::move(*pool)));
  });
  if (!view) {
    return close(connection, wc::ChannelError{wc::CloseReason::kTransientServerError, view.error().message});
  }
  if (!*view) return close(connection, wc::ChannelError{wc::CloseReason::kAuthorizationFailed, "work pool deleted"});
  int64_t sequence = 0;
  {
    std::lock_guard lock(mu_);
    if (connection->closed_) return;
    sequence = connection->next_sequence_++;
    connection->pool_updated_ = (*view)->pool.updated;
  }
  connection->peer_->send_text(wc::snapshot_frame(core::new_uuid7(), core::format_timestamp(ctx_.clock.now()), sequence,
                                                  reason, std::move((*view)->json)));
  count_snapshot();
}

void WorkerChannelHub::run_feed() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    for (const auto& payload : listener_->wait(250)) {
      // "<replica id> <pool id> <reason>"
      auto first = payload.find(' ');
      auto second = first == std::string::npos ? std::string::npos : payload.find(' ', first + 1);
      if (second == std::string::npos) continue;
      if (payload.compare(0, first, replica_id_) == 0) continue;  // ours went out locally
      publish(payload.substr(first + 1, second - first - 1), payload.substr(second + 1));
    }
  }
}

}  // namespace praetor::api
