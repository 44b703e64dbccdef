#include "events/ingest_buffer.h"

#include <spdlog/spdlog.h>

namespace praetor::events {

IngestBuffer::IngestBuffer(EventBus& bus, std::function<bool()> ready, std::size_t capacity,
                           std::chrono::milliseconds poll)
    : bus_(bus), ready_(std::move(ready)), capacity_(capacity), poll_(poll), thread_([this] { run(); }) {}

IngestBuffer::~IngestBuffer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (!held_.empty()) spdlog::error("events: {} events received before the database was ready were not stored", held_.size());
}

IngestBuffer::Admission IngestBuffer::accept(std::vector<Event> batch) {
  if (batch.empty()) return Admission::kAccepted;
  std::lock_guard lock(mu_);
  if (open_) {
    bus_.publish(std::move(batch));
    return Admission::kAccepted;
  }
  if (held_.size() + batch.size() > capacity_) return Admission::kFull;
  if (held_.empty()) spdlog::info("events: the database is not ready; holding received events until it is");
  for (auto& e : batch) held_.push_back(std::move(e));
  return Admission::kAccepted;
}

std::size_t IngestBuffer::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

bool IngestBuffer::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

void IngestBuffer::run() {
  for (;;) {
    bool ready = ready_();
    std::unique_lock lock(mu_);
    if (ready) {
      // Published under the lock, so events accepted after this see open_ and queue behind.
      if (!held_.empty()) spdlog::info("events: the database is ready; publishing {} held events", held_.size());
      std::vector<Event> batch;
      batch.swap(held_);
      if (!batch.empty()) bus_.publish(std::move(batch));
      open_ = true;
      return;
    }
    if (cv_.wait_for(lock, poll_, [this] { return stopping_; })) return;
  }
}

}  // namespace praetor::events
