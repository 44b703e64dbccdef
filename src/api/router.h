// Maps (method, path) to a handler. Patterns are literal segments, "{name}" (any one
// segment), "{name:uuid}" (a UUID, normalised; other text does not match, as FastAPI's
// uuid convertor) and "{name:path}" (the rest). Trailing slashes are ignored on both sides:
// the client sends "/flows/" and "/flows/filter" and may follow redirects either way.
// Thread-safe for dispatch once set-up is finished.
//
// Two kinds of handler. A Handler returns its response and may block (on a read, or on a
// write's commit); the server runs it on its handler pool. An AsyncHandler must not block:
// it parses, starts its work (typically Database::write_async) and returns; when the work is
// done it calls `respond` with a function that builds the response. The server runs
// AsyncHandlers on its I/O threads, so a request waiting for a commit holds no thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/middleware.h"
#include "api/websocket.h"
#include "core/result.h"

namespace praetor::api {

using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<core::Result<Response>(const Request&, const PathParams&)>;
// Completes an async request: call exactly once, from any thread. `make` runs later on a
// server thread (it must not block either) and its result, or its error mapped as for a
// Handler, is sent.
using Respond = std::function<void(std::function<core::Result<Response>()> make)>;
// `request` and `params` are valid only during the call: copy what the completion needs.
using AsyncHandler = std::function<void(const Request&, const PathParams&, Respond respond)>;
// How the server runs a completion: calls `send_response` later, on a thread of its choosing.
using Deliver = std::function<void(std::function<Response()> send_response)>;

class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler handler);
  void add_async(std::string method, const std::string& pattern, AsyncHandler handler);
  void add_websocket(const std::string& pattern, WebSocketFactory factory);
  // With false, dispatch_async declines every request, so AsyncHandlers run through
  // dispatch on the handler pool (for a database whose write_async blocks the caller).
  void set_async_dispatch(bool enabled) { async_dispatch_ = enabled; }
  // Runs around every HTTP request (middleware.h); set once during set-up.
  void set_middleware(std::shared_ptr<const Middleware> middleware) { middleware_ = std::move(middleware); }
  // Answers the requests no route matches whose path is outside /api (Prefect mounts its UI
  // app at / beside the API at /api; api/ui_site.h); set once during set-up.
  void set_site(std::function<Response(const Request&)> site) { site_ = std::move(site); }
  // Called for an /api request that no route matched (before its 404), e.g. to log it.
  void set_not_found_observer(std::function<void(const Request&)> observer) { not_found_ = std::move(observer); }

  // Runs the matching handler and maps its error or exception to a response; 404/405 with
  // Prefect's bodies when nothing matches.
  Response dispatch(const Request& request) const;
  // dispatch() without the middleware (authentication, CSRF): for the server's own
  // in-process calls, e.g. the actions automations run, which carry no credentials.
  Response dispatch_trusted(const Request& request) const { return route_request(request); }
  // When the request matches an AsyncHandler: runs it and returns true; its response goes
  // to `deliver` (once). Otherwise returns false and leaves `request` alone (use dispatch).
  bool dispatch_async(Request& request, const Deliver& deliver) const;
  // The endpoint for an upgrade request's path, or nullopt.
  struct WebSocketMatch {
    const WebSocketFactory* factory;
    std::string route;  // its template, as Response::route
  };
  std::optional<WebSocketMatch> match_websocket(const std::string& path, PathParams& params) const;
  // The middleware's refusal of a WebSocket upgrade (sent instead of the handshake), or nullopt.
  std::optional<Response> screen_upgrade(const Request& upgrade) const;

  // "METHOD pattern" for every route, for the README's route list.
  std::vector<std::string> describe() const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kUuid, kRest } kind;
    std::string text;  // literal text or parameter name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::string label;  // the pattern without parameter types, for Response::route
    std::vector<Segment> segments;
    Handler handler;
    AsyncHandler async_handler;
    WebSocketFactory websocket;
  };
  static std::vector<Segment> compile(const std::string& pattern);
  static std::string label_of(const std::string& pattern);
  static bool match(const Route& route, const std::vector<std::string>& parts, PathParams& params);
  // The route for the request's method and path, or nullptr (no match, or only other methods).
  const Route* find(const Request& request, PathParams& params) const;
  static Response dispatch_blocking(const Route& route, const Request& request, const PathParams& params);
  Response route_request(const Request& request) const;  // dispatch() without the middleware
  Response answer(const Request& request) const;         // route_request() before its route label

  std::vector<Route> routes_;
  bool async_dispatch_ = true;
  std::shared_ptr<const Middleware> middleware_;
  std::function<Response(const Request&)> site_;
  std::function<void(const Request&)> not_found_;
};

}  // namespace praetor::api
