// Shared between the server and its sessions (internal to server/).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/router.h"
#include "server/body_budget.h"
#include "server/connection_limit.h"
#include "server/http_server.h"

namespace praetor::server {

// Work handed to the I/O threads from other threads (the database writer completing a
// group): queued, and drained by one post per batch, so a group of N commits costs the
// writer one wake-up of an I/O thread rather than N.
class CompletionQueue {
 public:
  explicit CompletionQueue(boost::asio::io_context& ioc) : ioc_(ioc) {}
  void push(std::function<void()> work) {
    bool first = false;
    {
      std::lock_guard lock(mu_);
      first = items_.empty();
      items_.push_back(std::move(work));
    }
    if (first) boost::asio::post(ioc_, [this] { drain(); });
  }

 private:
  // A batch (a whole group's responses) is split into chunks: all but the first are posted
  // back, so an idle I/O thread serves them while this one serves the first.
  static constexpr size_t kChunk = 16;

  void drain() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(items_);
    }
    for (size_t start = kChunk; start < batch.size(); start += kChunk) {
      auto end = std::min(start + kChunk, batch.size());
      auto chunk = std::make_shared<std::vector<std::function<void()>>>(std::make_move_iterator(batch.begin() + start),
                                                                        std::make_move_iterator(batch.begin() + end));
      boost::asio::post(ioc_, [chunk] {
        for (auto& work : *chunk) work();
      });
    }
    batch.resize(std::min(kChunk, batch.size()));
    for (auto& work : batch) work();
  }

  boost::asio::io_context& ioc_;
  std::mutex mu_;
  std::vector<std::function<void()>> items_;
};

struct ServerState {
  ServerOptions options;
  const api::Router& router;
  // Declared before the io_context and the handler pool, so they outlive them: the handlers
  // those destroy at shutdown hold sessions whose tickets and reservations release into these.
  ConnectionLimit connections;
  BodyBudget bodies;
  boost::asio::io_context ioc;
  boost::asio::thread_pool handlers;
  // Requests handed to a non-blocking handler whose response is not yet queued for writing
  // (their write may still be waiting for its commit). Shutdown waits for them.
  std::atomic<int> async_requests{0};
  CompletionQueue completions{ioc};
  // Set at shutdown: requests read from now on are not served (their connection closes).
  std::atomic<bool> stopping{false};

  ServerState(ServerOptions o, const api::Router& r)
      : options(std::move(o)),
        router(r),
        connections(options.max_connections > 0 ? options.max_connections : default_connection_cap()),
        bodies(options.max_body_bytes_in_flight),
        ioc(options.io_threads),
        handlers(static_cast<std::size_t>(options.handler_threads)) {}
};

}  // namespace praetor::server
