// The HTTP/1.1 + WebSocket transport. I/O runs on a few Asio threads; each request's
// handler runs on a separate pool, because handlers may block on the database (a write waits
// for its group commit), and a blocked I/O thread would stall every connection on it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/request_log.h"
#include "api/router.h"
#include "core/result.h"

namespace praetor::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4200;  // 0: any free port
  int io_threads = 2;
  int handler_threads = 32;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  // Request bodies held at once across all connections (server/body_budget.h).
  std::size_t max_body_bytes_in_flight = 128 * 1024 * 1024;
  // Open connections (HTTP and WebSocket) at most; 0: the descriptor limit less a reserve
  // (server/connection_limit.h).
  int max_connections = 0;
  // Told of every answered request (access log, HTTP metrics); null: nothing is recorded.
  // Must outlive the server.
  const api::RequestLog* request_log = nullptr;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const api::Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; after success port() is the bound port.
  core::Status listen();
  uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM; then stops accepting, lets running handlers
  // finish (their writes commit) and returns.
  void run();
  // Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace praetor::server
