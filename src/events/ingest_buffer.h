// Holds received events until the database is ready, so events sent while the server waits
// for its schema (another replica migrating, migrate-on-start off, PostgreSQL not up yet)
// are not lost: the persister and the task-run recorder could not store them, and the
// client never resends an event whose socket stayed open. Once `ready()` answers true the
// held events are published to the bus in arrival order and the buffer becomes a
// pass-through (later outages are the persister's to retry).
//
// The buffer is bounded: when `capacity` events are held, accept() refuses the batch (the
// /events/in socket then closes with 1013 "try again later"; the client reconnects and
// resends what no pong confirmed, and POST /events answers 503, which clients retry).
//
// Thread-safety: all methods are thread-safe; `ready` is called from the buffer's own
// thread only, never while a lock is held. The bus must outlive the buffer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "events/event_bus.h"

namespace praetor::events {

class IngestBuffer {
 public:
  enum class Admission { kAccepted, kFull };

  IngestBuffer(EventBus& bus, std::function<bool()> ready, std::size_t capacity,
               std::chrono::milliseconds poll = std::chrono::milliseconds(200));
  ~IngestBuffer();  // held events that never became publishable are logged as lost
  IngestBuffer(const IngestBuffer&) = delete;
  IngestBuffer& operator=(const IngestBuffer&) = delete;

  // Publishes the batch now (database ready) or holds it; kFull refuses it whole.
  Admission accept(std::vector<Event> batch);
  // Events held now.
  std::size_t held() const;
  // True once the database was seen ready.
  bool open() const;

 private:
  void run();

  EventBus& bus_;
  std::function<bool()> ready_;
  std::size_t capacity_;
  std::chrono::milliseconds poll_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> held_;
  bool open_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace praetor::events
