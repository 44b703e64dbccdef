// Shared between the server and its sessions (internal to server/).
#pragma once

#include <atomic>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/router.h"
#include "server/http_server.h"

namespace praetor::server {

struct ServerState {
  ServerOptions options;
  const api::Router& router;
  boost::asio::io_context ioc;
  boost::asio::thread_pool handlers;
  // Requests handed to a non-blocking handler whose response is not yet queued for writing
  // (their write may still be waiting for its commit). Shutdown waits for them.
  std::atomic<int> async_requests{0};
  // Set at shutdown: requests read from now on are not served (their connection closes).
  std::atomic<bool> stopping{false};

  ServerState(ServerOptions o, const api::Router& r)
      : options(std::move(o)), router(r), ioc(options.io_threads), handlers(static_cast<std::size_t>(options.handler_threads)) {}
};

}  // namespace praetor::server
