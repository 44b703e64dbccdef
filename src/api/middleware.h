// A layer around routing, as Prefect's HTTP middleware stack is (CSRF, CORS, basic auth):
// it may answer a request before any route sees it and it adds headers to routed responses.
// Transport-free; the Router calls it (router.h). Implementations are thread-safe.
#pragma once

#include <optional>

#include "api/http.h"

namespace praetor::api {

class Middleware {
 public:
  virtual ~Middleware() = default;
  // A response that ends `request` before routing (a refusal, a CORS preflight), sent as
  // is; nullopt lets the request through.
  virtual std::optional<Response> before(const Request& request) const = 0;
  // Whether before() may block on `request` (a database read); the router then does not
  // run it on an I/O thread.
  virtual bool may_block(const Request& request) const = 0;
  // Called on every response of a request that before() let through (handlers, 404/405,
  // mapped errors).
  virtual void after(const Request& request, Response& response) const = 0;
  // A refusal of a WebSocket upgrade, sent instead of the handshake; nullopt accepts it.
  virtual std::optional<Response> before_upgrade(const Request& upgrade) const = 0;
};

}  // namespace praetor::api
