// Maps (method, path) to a handler. Patterns are literal segments, "{name}" (any one
// segment), "{name:uuid}" (a UUID, normalised; other text does not match, as FastAPI's
// uuid convertor) and "{name:path}" (the rest). Trailing slashes are ignored on both sides:
// the client sends "/flows/" and "/flows/filter" and may follow redirects either way.
// Thread-safe for dispatch once set-up is finished.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/websocket.h"
#include "core/result.h"

namespace praetor::api {

using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<core::Result<Response>(const Request&, const PathParams&)>;

class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler handler);
  void add_websocket(const std::string& pattern, WebSocketFactory factory);

  // Runs the matching handler and maps its error or exception to a response; 404/405 with
  // Prefect's bodies when nothing matches.
  Response dispatch(const Request& request) const;
  // The endpoint for an upgrade request's path, or nullptr.
  const WebSocketFactory* match_websocket(const std::string& path, PathParams& params) const;

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
    std::vector<Segment> segments;
    Handler handler;
    WebSocketFactory websocket;
  };
  static std::vector<Segment> compile(const std::string& pattern);
  static bool match(const Route& route, const std::vector<std::string>& parts, PathParams& params);

  std::vector<Route> routes_;
};

}  // namespace praetor::api
