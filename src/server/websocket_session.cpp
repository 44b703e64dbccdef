#include "server/websocket_session.h"

#include <utility>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/repeated_log.h"

namespace praetor::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WebSocketSession::WebSocketSession(beast::tcp_stream stream, ServerState& state)
    : ws_(std::move(stream)), state_(state), slot_(state.connections.take()) {}

void WebSocketSession::start(http::request<http::string_body> upgrade, api::Request request,
                             const api::WebSocketFactory& factory, const std::string& route) {
  request_ = std::move(request);
  factory_ = &factory;
  open_gauge_ = &metrics::default_registry()
                     .gauge("praetor_websocket_connections",
                            "Open WebSocket connections (subscribers) by endpoint, e.g. /api/events/out.", {"route"})
                     .labels({route});
  // Beast answers pings itself; its keep-alive pings detect dead peers of idle subscribers.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(state_.options.max_body_bytes);
  bool wants_prefect = false;
  if (auto proto = request_.header("sec-websocket-protocol")) wants_prefect = proto->find("prefect") != std::string::npos;
  ws_.set_option(websocket::stream_base::decorator([wants_prefect](websocket::response_type& res) {
    res.set(http::field::server, "praetor");
    if (wants_prefect) res.set(http::field::sec_websocket_protocol, "prefect");
  }));
  auto up = std::make_shared<http::request<http::string_body>>(std::move(upgrade));
  ws_.async_accept(*up, [self = shared_from_this(), up](beast::error_code ec) { self->on_accept(ec); });
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket handshake failed: {}", ec.message());
    open_gauge_ = nullptr;  // never counted
    return;
  }
  open_gauge_->add(1);
  try {
    handler_ = (*factory_)(request_, shared_from_this());
  } catch (const std::exception& e) {
    spdlog::error("websocket endpoint {} failed to open: {}", request_.path, e.what());
    return close(1011, "Internal Server Error");
  }
  read_message();
}

void WebSocketSession::read_message() {
  ws_.async_read_some(buffer_, kReadPiece, beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

bool WebSocketSession::cover_message(std::size_t bytes_read) {
  if (bytes_read <= kUnbudgetedMessageBytes) return true;
  const std::size_t needed = bytes_read * kHeldPerMessageByte;
  if (needed <= message_covered_) return true;
  // In doubling steps, so a large message takes a few grants, not one per piece.
  const std::size_t step = std::max(needed - message_covered_, message_covered_);
  auto grant = state_.bodies.try_reserve(step, message_covered_);
  if (!grant) return false;
  message_grants_.push_back(std::move(*grant));
  message_covered_ += step;
  return true;
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();
  if (!cover_message(buffer_.size())) {
    static core::RepeatedLog refused;
    refused.log(spdlog::level::warn, "websocket message refused",
                fmt::format("websocket endpoint {}: a message of more than {} bytes did not fit the memory budget; "
                            "the connection was closed with 1013 (try again later)",
                            request_.path, buffer_.size()));
    buffer_.consume(buffer_.size());
    message_grants_.clear();
    message_covered_ = 0;
    return close(1013, "Try again later: the server's memory budget is full");
  }
  if (!ws_.is_message_done()) return read_message();
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (handler_ && !close_requested_) {
    try {
      handler_->on_text(text);
    } catch (const std::exception& e) {
      spdlog::error("websocket endpoint {} failed on a message: {}", request_.path, e.what());
      close(1011, "Internal Server Error");
    }
  }
  message_grants_.clear();  // handled: the message's room goes back
  message_covered_ = 0;
  if (paused_.load()) {
    read_stopped_ = true;  // resume_reading starts the next read
    return;
  }
  read_message();
}

void WebSocketSession::pause_reading() { paused_ = true; }

void WebSocketSession::resume_reading() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->paused_ = false;
    if (!self->read_stopped_ || self->finished_) return;
    self->read_stopped_ = false;
    self->read_message();
  });
}

void WebSocketSession::send_text(std::string message) {
  net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    if (self->finished_ || self->close_requested_) return;
    self->outbox_.push_back(std::move(message));
    if (!self->writing_) self->write_next();
  });
}

void WebSocketSession::close(uint16_t code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (self->finished_ || self->close_requested_) return;
    self->close_requested_ = true;
    self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!self->writing_) self->write_next();
  });
}

void WebSocketSession::write_next() {
  if (finished_) return;
  if (outbox_.empty()) {
    writing_ = false;
    if (close_requested_) {
      writing_ = true;
      ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->writing_ = false; });
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  auto message = std::make_shared<std::string>(std::move(outbox_.front()));
  outbox_.pop_front();
  ws_.async_write(net::buffer(*message), [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
    if (ec) {
      self->writing_ = false;
      return self->finish();
    }
    self->write_next();
  });
}

void WebSocketSession::finish() {
  if (finished_) return;
  finished_ = true;
  if (open_gauge_) std::exchange(open_gauge_, nullptr)->add(-1);
  outbox_.clear();
  if (handler_) {
    try {
      handler_->on_closed();
    } catch (const std::exception& e) {
      spdlog::error("websocket endpoint {} failed on close: {}", request_.path, e.what());
    }
    // Drops the handler's reference to this session, breaking the ownership cycle.
    handler_.reset();
  }
}

}  // namespace praetor::server
