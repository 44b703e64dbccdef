#include "api/task_run_dispatcher.h"

#include <spdlog/spdlog.h>

#include "core/json_util.h"
#include "core/uuid.h"
#include "store/task_run_queue.h"
#include "store/task_run_repository.h"

namespace praetor::api {

namespace queue = store::task_run_queue;

TaskRunSubscriber::TaskRunSubscriber(std::shared_ptr<WebSocketPeer> peer, std::string client_id,
                                     std::vector<std::string> task_keys)
    : peer_(std::move(peer)),
      client_id_(std::move(client_id)),
      task_keys_(std::move(task_keys)),
      owner_(core::new_uuid4()) {}

TaskRunDispatcher::TaskRunDispatcher(ApiContext& ctx) : ctx_(ctx), thread_([this] { run(); }) {}

TaskRunDispatcher::~TaskRunDispatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TaskRunDispatcher::subscribe(const std::shared_ptr<TaskRunSubscriber>& subscriber) {
  {
    std::lock_guard lock(mu_);
    subscribers_.push_back(subscriber);
    work_.observed.push_back(subscriber);
    woken_ = true;
  }
  cv_.notify_all();
}

void TaskRunDispatcher::acknowledge(const std::shared_ptr<TaskRunSubscriber>& subscriber) {
  {
    std::lock_guard lock(mu_);
    if (!subscriber->in_flight_) return;
    work_.acknowledged.push_back(*subscriber->in_flight_);
    work_.observed.push_back(subscriber);
    subscriber->in_flight_.reset();
    woken_ = true;
  }
  cv_.notify_all();
}

void TaskRunDispatcher::unsubscribe(const std::shared_ptr<TaskRunSubscriber>& subscriber) {
  {
    std::lock_guard lock(mu_);
    if (subscriber->closed_) return;
    subscriber->closed_ = true;
    if (subscriber->in_flight_) work_.released.emplace_back(*subscriber->in_flight_, subscriber->owner_);
    subscriber->in_flight_.reset();
    // Prefect forgets the worker when any of its sockets closes.
    work_.forgotten.push_back(subscriber->client_id_);
    std::erase(subscribers_, subscriber);
    woken_ = true;
  }
  cv_.notify_all();
}

void TaskRunDispatcher::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void TaskRunDispatcher::run() {
  for (;;) {
    Work work;
    std::vector<std::shared_ptr<TaskRunSubscriber>> idle;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kPollInterval, [&] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
      std::swap(work, work_);
      for (const auto& s : subscribers_) {
        if (!s->in_flight_) idle.push_back(s);
      }
    }
    try {
      do_work(work);
      if (std::chrono::steady_clock::now() - last_refresh_ >= kRefreshInterval) refresh();
      for (const auto& s : idle) deliver(s);
    } catch (const std::exception& e) {
      spdlog::error("task run subscriptions: {}", e.what());
    }
  }
}

void TaskRunDispatcher::do_work(const Work& work) {
  if (work.observed.empty() && work.acknowledged.empty() && work.released.empty() && work.forgotten.empty()) return;
  auto now = ctx_.clock.now();
  auto done = ctx_.db.write<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
    for (const auto& id : work.acknowledged) queue::remove(c, id);
    for (const auto& [id, owner] : work.released) queue::release(c, id, owner);
    for (const auto& s : work.observed) queue::observe_worker(c, s->client_id(), s->task_keys(), now);
    for (const auto& client_id : work.forgotten) queue::forget_worker(c, client_id);
    return core::Ok{};
  });
  if (!done) spdlog::warn("task run subscriptions: could not record acknowledgements: {}", done.error().message);
  // Released runs are for the other subscribers now.
  if (!work.released.empty()) wake();
}

void TaskRunDispatcher::refresh() {
  std::vector<std::shared_ptr<TaskRunSubscriber>> subscribers;
  std::vector<std::string> owners;
  {
    std::lock_guard lock(mu_);
    subscribers = subscribers_;
    for (const auto& s : subscribers_) {
      if (s->in_flight_) owners.push_back(s->owner_);
    }
  }
  last_refresh_ = std::chrono::steady_clock::now();
  if (subscribers.empty()) return;
  auto now = ctx_.clock.now();
  auto done = ctx_.db.write<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
    queue::refresh_claims(c, owners, now);
    for (const auto& s : subscribers) queue::observe_worker(c, s->client_id(), s->task_keys(), now);
    return core::Ok{};
  });
  if (!done) spdlog::warn("task run subscriptions: could not refresh claims: {}", done.error().message);
}

void TaskRunDispatcher::deliver(const std::shared_ptr<TaskRunSubscriber>& subscriber) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto now = ctx_.clock.now();
    auto stale_before = now - std::chrono::duration_cast<std::chrono::microseconds>(kStaleAfter);
    auto waiting = ctx_.db.read<bool>([&](store::Connection& c) -> core::Result<bool> {
      return queue::has_waiting(c, subscriber->task_keys(), stale_before);
    });
    if (!waiting || !*waiting) return;
    // Claimed, then read in the same transaction: the run as it is when it leaves the queue.
    struct Claim {
      enum class Outcome { kTakenByAnother, kDropped, kClaimed } outcome;
      core::TaskRun run;
    };
    auto claimed = ctx_.db.write<Claim>([&](store::Connection& c) -> core::Result<Claim> {
      auto id = queue::claim_next(c, subscriber->task_keys(), subscriber->owner(), now, stale_before);
      if (!id) return Claim{Claim::Outcome::kTakenByAnother, {}};
      auto run = store::task_runs::read(c, *id);
      if (!run || !run->state || run->state->type != core::StateType::kScheduled) {
        queue::remove(c, *id);  // deleted or moved on while queued: nothing to deliver
        return Claim{Claim::Outcome::kDropped, {}};
      }
      return Claim{Claim::Outcome::kClaimed, std::move(*run)};
    });
    if (!claimed) {
      spdlog::warn("task run subscriptions: could not claim a run: {}", claimed.error().message);
      return;
    }
    if (claimed->outcome != Claim::Outcome::kClaimed) continue;  // look for the next one
    const core::TaskRun& run = claimed->run;
    {
      std::lock_guard lock(mu_);
      if (!subscriber->closed_) {
        subscriber->in_flight_ = run.id;
        subscriber->peer().send_text(core::to_json_text(core::to_json(run, now)));
        return;
      }
    }
    // Closed while we claimed: the run goes back for the others.
    auto released = ctx_.db.write<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
      queue::release(c, run.id, subscriber->owner());
      return core::Ok{};
    });
    if (!released) spdlog::warn("task run subscriptions: could not release a run: {}", released.error().message);
    return;
  }
}

}  // namespace praetor::api
