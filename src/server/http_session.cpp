#include "server/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "server/gzip.h"
#include "server/request_reader.h"
#include "server/websocket_session.h"

#include <algorithm>
#include <string_view>

namespace praetor::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

// Idle keep-alive connections are closed after this; the client pools for 25 s.
constexpr auto kIdleTimeout = std::chrono::seconds(120);

// A bounded set of method labels: any other method a client sends counts as "other".
std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

bool has_header(const api::Response& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, ServerState& state)
    : stream_(std::move(socket)), state_(state), slot_(state.connections.take()) {}

void HttpSession::start() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::read_request, shared_from_this()));
}

void HttpSession::record(std::string_view route, int status) {
  if (recorded_ || !state_.options.request_log) return;
  recorded_ = true;
  state_.options.request_log->record(api::AnsweredRequest{method_label(method_), route.empty() ? "unmatched" : route,
                                                          status, std::chrono::steady_clock::now() - started_});
}

void HttpSession::read_request() {
  head_request_ = false;
  gzip_ok_ = false;
  recorded_ = false;
  method_.clear();
  parser_.emplace();
  limit_request(*parser_, state_.options.max_body_bytes);
  stream_.expires_after(kIdleTimeout);
  // At the connection cap the server may close this connection while it waits (on its strand).
  idle_ = state_.connections.waiting([weak = weak_from_this(), executor = stream_.get_executor()] {
    net::post(executor, [weak] {
      if (auto self = weak.lock()) self->stream_.cancel();
    });
  });
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t bytes) {
  idle_ = {};
  started_ = std::chrono::steady_clock::now();
  if (ec || parser_->is_done()) return on_read(ec, bytes);
  // The body is read once its bytes fit the server's budget for bodies in flight
  // (server/body_budget.h); until then it waits unread in the socket.
  const auto length = parser_->content_length();
  const std::size_t body_bytes = length ? static_cast<std::size_t>(*length) : state_.options.max_body_bytes;
  state_.bodies.reserve(body_bytes * BodyBudget::kHeldPerBodyByte, [self = shared_from_this()](BodyBudget::Grant grant) mutable {
    auto executor = self->stream_.get_executor();
    net::dispatch(executor, [self = std::move(self), grant = std::move(grant)]() mutable {
      self->body_grant_ = std::move(grant);
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       beast::bind_front_handler(&HttpSession::on_read, self));
    });
  });
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (parser_ && parser_->is_header_done()) method_ = std::string(parser_->get().method_string());
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    return close();
  }
  if (ec == http::error::body_limit) {
    return write(api::json_response(413, boost::json::object{{"detail", "Request body is too large"}}), false, 11);
  }
  if (ec) {
    spdlog::debug("bad HTTP request: {}", ec.message());
    return write(api::json_response(400, boost::json::object{{"detail", "Invalid HTTP request received."}}), false, 11);
  }
  if (state_.stopping.load()) return close();
  auto req = parser_->release();
  head_request_ = req.method() == http::verb::head;
  gzip_ok_ = !head_request_ && accepts_gzip(req[http::field::accept_encoding]);
  bool keep_alive = req.keep_alive();
  unsigned version = req.version();
  api::Request request = to_api_request(req);

  if (beast::websocket::is_upgrade(req)) {
    api::PathParams params;
    if (auto match = state_.router.match_websocket(request.path, params)) {
      if (auto refusal = state_.router.screen_upgrade(request)) {
        refusal->route = match->route;
        return write(std::move(*refusal), false, version);
      }
      record(match->route, 101);
      stream_.expires_never();
      auto ws = std::make_shared<WebSocketSession>(std::move(stream_), state_);
      ws->start(std::move(req), std::move(request), *match->factory, match->route);
      return;
    }
  }

  // A non-blocking handler runs here, on the I/O thread; its response is written when its
  // completion arrives (e.g. after the write's group commit), on this connection's strand.
  auto deliver = [self = shared_from_this(), keep_alive, version](std::function<api::Response()> send_response) {
    self->state_.completions.push([self, send_response = std::move(send_response), keep_alive, version] {
      net::dispatch(self->stream_.get_executor(), [self, send_response, keep_alive, version] {
        self->state_.async_requests.fetch_sub(1);
        self->write(send_response(), keep_alive, version);
      });
    });
  };
  state_.async_requests.fetch_add(1);
  if (state_.router.dispatch_async(request, deliver)) return;
  state_.async_requests.fetch_sub(1);

  net::post(state_.handlers, [self = shared_from_this(), request = std::move(request), keep_alive, version]() mutable {
    api::Response response = self->state_.router.dispatch(request);
    net::post(self->stream_.get_executor(), [self, response = std::move(response), keep_alive, version]() mutable {
      self->write(std::move(response), keep_alive, version);
    });
  });
}

template <class Message>
void HttpSession::send(std::shared_ptr<Message> message) {
  pending_ = message;
  stream_.expires_after(std::chrono::seconds(60));
  bool keep_alive = message->keep_alive();
  http::async_write(stream_, *message,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::write_file(api::Response response, bool keep_alive, unsigned version) {
  beast::error_code ec;
  http::file_body::value_type file;
  file.open(response.file.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    spdlog::debug("cannot open {}: {}", response.file, ec.message());
    return write(api::json_response(404, boost::json::object{{"detail", "Not Found"}}), keep_alive, version);
  }
  if (gzip_ok_ && file.size() >= kGzipMinimumBytes && compressible(response.content_type)) {
    if (auto gzipped = gzip_file(response.file)) {
      file.close();
      response.file.clear();
      response.body = *gzipped;
      response.headers.emplace_back("Content-Encoding", "gzip");
      return write(std::move(response), keep_alive, version, /*encoded=*/true);
    }
  }
  auto fill = [&](auto& res) {
    res.set(http::field::server, "praetor");
    if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    res.content_length(file.size());
  };
  auto status = static_cast<http::status>(response.status);
  if (head_request_) {
    auto res = std::make_shared<http::response<http::empty_body>>(status, version);
    fill(*res);
    return send(std::move(res));
  }
  auto res = std::make_shared<http::response<http::file_body>>(status, version);
  fill(*res);
  res->body() = std::move(file);
  send(std::move(res));
}

void HttpSession::write(api::Response response, bool keep_alive, unsigned version, bool encoded) {
  record(response.route, response.status);
  if (!response.file.empty()) return write_file(std::move(response), keep_alive, version);
  if (gzip_ok_ && !encoded && response.body.size() >= kGzipMinimumBytes && compressible(response.content_type) &&
      !has_header(response, "content-encoding")) {
    if (auto gzipped = gzip_compress(response.body)) {
      response.body = std::move(*gzipped);
      response.headers.emplace_back("Content-Encoding", "gzip");
      encoded = true;
    }
  }
  if (encoded) response.headers.emplace_back("Vary", "Accept-Encoding");
  auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), version);
  res->set(http::field::server, "praetor");
  if (!response.content_type.empty()) res->set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res->set(name, value);
  res->body() = std::move(response.body);
  res->keep_alive(keep_alive);
  if (head_request_) {
    // The body must not be sent: it would be read as the start of the next response.
    auto size = res->body().size();
    res->body().clear();
    res->content_length(size);
  } else {
    res->prepare_payload();
  }
  send(std::move(res));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  pending_.reset();
  body_grant_.reset();  // the request and its answer are gone: its body's bytes come back
  if (ec || !keep_alive) return close();
  read_request();
}

void HttpSession::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace praetor::server
