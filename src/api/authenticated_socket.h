// The WebSocket handshake every Prefect channel shares (prefect/server/utilities/
// subscriptions.py accept_prefect_socket): with the "prefect" subprotocol the first message
// must be {"type":"auth","token":…}, checked against PREFECT_SERVER_API_AUTH_STRING when one
// is set (security.h), and is answered {"type":"auth_success"}; a refusal closes with 1008.
// Without the subprotocol (legacy clients, only admitted when no auth string is set) there
// is no handshake. Subclasses receive the messages after it in on_message.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/http.h"
#include "api/websocket.h"

namespace praetor::api {

// The message as a JSON object, or nullopt (not JSON, or not an object).
std::optional<boost::json::object> parse_object(std::string_view text);
// The message's "type" string, or "" when it has none.
std::string type_of(const boost::json::object& o);

// How a channel departs from the shared handshake (accept_prefect_socket's keyword
// arguments): `require_subprotocol` refuses clients without "prefect" (closed 1008 at once,
// even when no auth string is set); `refusal_reason`, when set, is every refusal's close
// reason in place of the specific message (the specific one is still logged).
struct HandshakeOptions {
  bool require_subprotocol = false;
  std::optional<std::string> refusal_reason;
};

class AuthenticatedSocket : public WebSocketHandler {
 public:
  // `auth_string` is the settings' (it outlives every socket).
  AuthenticatedSocket(const Request& upgrade, std::shared_ptr<WebSocketPeer> peer,
                      const std::optional<std::string>& auth_string, HandshakeOptions options = {});

  void on_text(std::string_view message) final;

 protected:
  virtual void on_message(std::string_view message) = 0;
  // The channel's name in log lines, e.g. "/events/out".
  virtual const char* kind() const = 0;
  std::shared_ptr<WebSocketPeer> peer_;

 private:
  const std::optional<std::string>& auth_string_;
  const HandshakeOptions options_;
  bool authenticated_;
  bool refused_ = false;
};

}  // namespace praetor::api
