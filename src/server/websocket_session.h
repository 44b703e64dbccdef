// One WebSocket connection bridged to an api::WebSocketHandler. All socket work runs on the
// connection's strand; send_text/close post onto it and are safe from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "api/websocket.h"
#include "metrics/registry.h"
#include "server/server_state.h"

namespace praetor::server {

// A message is read in pieces. Past kUnbudgetedMessageBytes it holds room in the server's
// body budget (server/body_budget.h) for what has been read, taken without waiting, until it
// has been handled: a message that does not fit closes the connection with 1013 "try again
// later" (Prefect's clients reconnect and resend what was not acknowledged), so partly read
// messages never wait on each other for room and a flood of large messages cannot take the
// server's memory.
class WebSocketSession : public api::WebSocketPeer, public std::enable_shared_from_this<WebSocketSession> {
 public:
  static constexpr std::size_t kReadPiece = 64 * 1024;
  // What handling a message holds per byte of it, at most about (measured: one 12 MB
  // message to /api/events/in raised peak RSS by 150 MB): the read buffer, its text, the
  // JSON parser's buffers and the parsed value. A message reserves this many times its size.
  static constexpr std::size_t kHeldPerMessageByte = 12;
  static constexpr std::size_t kUnbudgetedMessageBytes = 256 * 1024;

  WebSocketSession(boost::beast::tcp_stream stream, ServerState& state);
  ~WebSocketSession() override {
    if (open_gauge_) open_gauge_->add(-1);  // closed without finish()
  }
  // Completes the upgrade of `upgrade` and starts serving `factory`'s handler.
  // `route` is the endpoint's template (the praetor_websocket_connections label).
  void start(boost::beast::http::request<boost::beast::http::string_body> upgrade, api::Request request,
             const api::WebSocketFactory& factory, const std::string& route);

  void send_text(std::string message) override;
  void close(uint16_t code, std::string reason) override;
  void pause_reading() override;
  void resume_reading() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void read_message();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // Holds budget room for the message read so far; false when it does not fit.
  bool cover_message(std::size_t bytes_read);
  void write_next();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::vector<BodyBudget::Grant> message_grants_;  // room held for the message being read
  std::size_t message_covered_ = 0;                // bytes those grants cover
  ServerState& state_;
  ConnectionLimit::Slot slot_;  // counted against the connection cap while open
  api::Request request_;
  const api::WebSocketFactory* factory_ = nullptr;
  std::unique_ptr<api::WebSocketHandler> handler_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool close_requested_ = false;
  boost::beast::websocket::close_reason close_reason_;
  bool finished_ = false;
  metrics::Gauge* open_gauge_ = nullptr;  // this endpoint's open connections, counted from accept to finish
  std::atomic<bool> paused_{false};  // set by pause_reading, cleared on the strand by resume_reading
  bool read_stopped_ = false;        // on_read did not start the next read because of paused_
};

}  // namespace praetor::server
