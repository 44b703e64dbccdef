// Transport-free WebSocket endpoints. The server owns the socket; an endpoint gets a Peer to
// send through and returns a Handler that receives text frames.
//
// Threading: on_text and on_closed are called one at a time for a connection, on an I/O
// thread, so they must not block for long (hand slow work to a queue). Peer methods are
// thread-safe and may be called from any thread, also after the connection closed (no-op).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"

namespace praetor::api {

class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual void send_text(std::string message) = 0;
  // Sends a close frame with `code` (1000 normal, 1002 protocol error, 1008 policy).
  virtual void close(uint16_t code, std::string reason) = 0;
  // Back-pressure: after pause_reading() (call it from on_text) no further frame is read
  // until resume_reading() (any thread); the peer's sends then block in TCP flow control.
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void on_text(std::string_view message) = 0;
  virtual void on_closed() {}
};

using WebSocketFactory =
    std::function<std::unique_ptr<WebSocketHandler>(const Request& upgrade, std::shared_ptr<WebSocketPeer> peer)>;

}  // namespace praetor::api
