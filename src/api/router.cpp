#include "api/router.h"

#include <cstdint>
#include <future>
#include <memory>
#include <tuple>

#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/security.h"
#include "core/uuid.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    parts.push_back(percent_decode(std::string_view(path).substr(i, j - i)));
    i = j;
  }
  return parts;
}

// One component of X-PREFECT-API-VERSION read as Python's int() reads it (Prefect splits
// the header on '.' and calls int() on each part): surrounding whitespace, an optional sign,
// digits with single underscores between them. Huge values saturate (only the comparison
// with 0.8.0 matters).
std::optional<int64_t> parse_python_int(std::string_view s) {
  auto is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '_' || s.back() == '_') return std::nullopt;
  int64_t value = 0;
  char previous = 0;
  for (char ch : s) {
    if (ch == '_') {
      if (previous == '_') return std::nullopt;
    } else if (ch >= '0' && ch <= '9') {
      value = value > (INT64_MAX - 9) / 10 ? INT64_MAX : value * 10 + (ch - '0');
    } else {
      return std::nullopt;
    }
    previous = ch;
  }
  return negative ? -value : value;
}

// X-PREFECT-API-VERSION must be three integers and at least 0.8.0 when present (Prefect's
// EnforceMinimumAPIVersion, a dependency of every router but /health and /version); a
// missing header means "latest", and newer versions than ours are accepted.
std::optional<core::Error> check_api_version(const Request& request) {
  if (request.path == "/api/health" || request.path == "/api/version") return std::nullopt;
  auto v = request.header("x-prefect-api-version");
  if (!v || v->empty()) return std::nullopt;
  std::vector<int64_t> parts;
  std::string_view rest = *v;
  for (;;) {
    size_t dot = rest.find('.');
    auto n = parse_python_int(rest.substr(0, dot));
    if (!n) {
      parts.clear();
      break;
    }
    parts.push_back(*n);
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (parts.size() != 3) {
    return core::Error::bad_request(
        "Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received " + *v);
  }
  if (std::tuple(parts[0], parts[1], parts[2]) < std::tuple<int64_t, int64_t, int64_t>(0, 8, 0)) {
    return core::Error::bad_request("The request specified API version " + *v +
                                    " but this server requires version 0.8.0 or higher.");
  }
  return std::nullopt;
}

}  // namespace

std::vector<Router::Segment> Router::compile(const std::string& pattern) {
  std::vector<Segment> out;
  for (const auto& part : split_path(pattern)) {
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      std::string inner = part.substr(1, part.size() - 2);
      auto colon = inner.find(':');
      std::string name = inner.substr(0, colon);
      std::string type = colon == std::string::npos ? "" : inner.substr(colon + 1);
      Segment::Kind kind = type == "uuid"   ? Segment::Kind::kUuid
                           : type == "path" ? Segment::Kind::kRest
                                            : Segment::Kind::kParam;
      out.push_back({kind, name});
    } else {
      out.push_back({Segment::Kind::kLiteral, part});
    }
  }
  return out;
}

std::string Router::label_of(const std::string& pattern) {
  // "/api/flows/{id:uuid}/" → "/api/flows/{id}": a parameter's type is routing detail.
  std::string out;
  bool in_param = false, in_type = false;
  for (char ch : pattern) {
    if (ch == '{') in_param = true;
    if (ch == '}') in_param = in_type = false;
    if (in_param && ch == ':') in_type = true;
    if (!in_type) out += ch;
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back({std::move(method), pattern, label_of(pattern), compile(pattern), std::move(handler), {}, {}});
}

void Router::add_async(std::string method, const std::string& pattern, AsyncHandler handler) {
  routes_.push_back({std::move(method), pattern, label_of(pattern), compile(pattern), {}, std::move(handler), {}});
}

void Router::add_websocket(const std::string& pattern, WebSocketFactory factory) {
  routes_.push_back({"WEBSOCKET", pattern, label_of(pattern), compile(pattern), {}, {}, std::move(factory)});
}

bool Router::match(const Route& route, const std::vector<std::string>& parts, PathParams& params) {
  params.clear();
  size_t i = 0;
  for (const auto& seg : route.segments) {
    if (seg.kind == Segment::Kind::kRest) {
      std::string rest;
      for (size_t k = i; k < parts.size(); ++k) rest += (k > i ? "/" : "") + parts[k];
      params[seg.text] = rest;
      return true;
    }
    if (i >= parts.size()) return false;
    const std::string& part = parts[i++];
    switch (seg.kind) {
      case Segment::Kind::kLiteral:
        if (part != seg.text) return false;
        break;
      case Segment::Kind::kParam:
        params[seg.text] = part;
        break;
      case Segment::Kind::kUuid: {
        auto id = core::parse_uuid(part);
        if (!id) return false;
        params[seg.text] = *id;
        break;
      }
      case Segment::Kind::kRest:
        break;
    }
  }
  return i == parts.size();
}

Response Router::dispatch(const Request& request) const {
  if (!middleware_) return route_request(request);
  if (auto early = middleware_->before(request)) {
    PathParams params;
    const Route* route = find(request, params);
    early->route = route ? route->label : "unmatched";
    return std::move(*early);
  }
  Response response = route_request(request);
  middleware_->after(request, response);
  return response;
}

Response Router::route_request(const Request& request) const {
  Response response = answer(request);
  if (response.route.empty()) response.route = "unmatched";
  return response;
}

Response Router::answer(const Request& request) const {
  auto parts = split_path(request.path);
  PathParams params;
  std::string allowed;  // methods of routes whose path matched, for the 405's Allow header
  for (const auto& route : routes_) {
    if (route.websocket) continue;
    if (!match(route, parts, params)) continue;
    if (route.method != request.method && !(request.method == "HEAD" && route.method == "GET")) {
      if (allowed.find(route.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    auto labelled = [&route](Response response) {
      response.route = route.label;
      return response;
    };
    if (auto bad_version = check_api_version(request)) return labelled(error_response(*bad_version, request));
    if (auto not_json = non_json_body_refusal(request)) return labelled(std::move(*not_json));
    if (route.async_handler) return labelled(dispatch_blocking(route, request, params));
    try {
      auto result = route.handler(request, params);
      if (!result) return labelled(error_response(result.error(), request));
      return labelled(std::move(*result));
    } catch (const std::exception& e) {
      return labelled(error_response(core::Error::internal(e.what()), request));
    }
  }
  if (site_ && allowed.empty() && request.path != "/api" && request.path.rfind("/api/", 0) != 0) {
    Response response = site_(request);
    response.route = "ui";
    return response;
  }
  if (!allowed.empty()) {
    Response r = json_response(405, json::object{{"detail", "Method Not Allowed"}});
    r.headers.emplace_back("allow", allowed);
    return r;
  }
  if (not_found_) not_found_(request);
  return json_response(404, json::object{{"detail", "Not Found"}});
}

const Router::Route* Router::find(const Request& request, PathParams& params) const {
  auto parts = split_path(request.path);
  for (const auto& route : routes_) {
    if (route.websocket) continue;
    if (!match(route, parts, params)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) return &route;
  }
  return nullptr;
}

namespace {

// Runs `make` (an async handler's completion) and maps its error or exception.
Response finish(const std::function<core::Result<Response>()>& make, const Request& request) {
  try {
    auto result = make();
    if (!result) return error_response(result.error(), request);
    return std::move(*result);
  } catch (const std::exception& e) {
    return error_response(core::Error::internal(e.what()), request);
  }
}

}  // namespace

bool Router::dispatch_async(Request& request, const Deliver& deliver) const {
  if (!async_dispatch_) return false;
  PathParams params;
  const Route* route = find(request, params);
  if (!route || !route->async_handler || check_api_version(request) || non_json_body_refusal(request)) return false;
  if (middleware_ && middleware_->may_block(request)) return false;
  auto owned = std::make_shared<const Request>(std::move(request));
  const std::string& label = route->label;  // routes_ is fixed once serving: the reference stays valid
  if (middleware_) {
    if (auto early = middleware_->before(*owned)) {
      early->route = label;
      deliver([early = std::make_shared<Response>(std::move(*early))] { return std::move(*early); });
      return true;
    }
  }
  auto respond = [owned, deliver, middleware = middleware_, &label](std::function<core::Result<Response>()> make) {
    deliver([owned, make = std::move(make), middleware, &label] {
      Response response = finish(make, *owned);
      if (middleware) middleware->after(*owned, response);
      response.route = label;
      return response;
    });
  };
  try {
    route->async_handler(*owned, params, std::move(respond));
  } catch (const std::exception& e) {
    // Thrown before the handler could hand over its completion (a parse, not the write).
    std::string what = e.what();
    deliver([owned, what, middleware = middleware_, &label] {
      Response response = error_response(core::Error::internal(what), *owned);
      if (middleware) middleware->after(*owned, response);
      response.route = label;
      return response;
    });
  }
  return true;
}

Response Router::dispatch_blocking(const Route& route, const Request& request, const PathParams& params) {
  // An async handler called through dispatch(): wait for its completion here.
  std::promise<Response> promise;
  auto fut = promise.get_future();
  auto respond = [&promise, &request](std::function<core::Result<Response>()> make) {
    promise.set_value(finish(make, request));
  };
  try {
    route.async_handler(request, params, std::move(respond));
  } catch (const std::exception& e) {
    return error_response(core::Error::internal(e.what()), request);
  }
  return fut.get();
}

std::optional<Router::WebSocketMatch> Router::match_websocket(const std::string& path, PathParams& params) const {
  auto parts = split_path(path);
  for (const auto& route : routes_) {
    if (route.websocket && match(route, parts, params)) return WebSocketMatch{&route.websocket, route.label};
  }
  return std::nullopt;
}

std::optional<Response> Router::screen_upgrade(const Request& upgrade) const {
  if (!middleware_) return std::nullopt;
  return middleware_->before_upgrade(upgrade);
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

}  // namespace praetor::api
