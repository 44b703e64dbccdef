// One WebSocket connection bridged to an api::WebSocketHandler. All socket work runs on the
// connection's strand; send_text/close post onto it and are safe from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "api/websocket.h"
#include "metrics/registry.h"
#include "server/server_state.h"

namespace praetor::server {

class WebSocketSession : public api::WebSocketPeer, public std::enable_shared_from_this<WebSocketSession> {
 public:
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
  void write_next();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
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
