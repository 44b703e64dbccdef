#include "api/authenticated_socket.h"

#include <spdlog/spdlog.h>

#include "api/security.h"

namespace praetor::api {

namespace json = boost::json;

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string type_of(const json::object& o) {
  auto it = o.find("type");
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

AuthenticatedSocket::AuthenticatedSocket(const Request& upgrade, std::shared_ptr<WebSocketPeer> peer,
                                         const std::optional<std::string>& auth_string, HandshakeOptions options)
    : peer_(std::move(peer)),
      auth_string_(auth_string),
      options_(std::move(options)),
      authenticated_(!offers_prefect_subprotocol(upgrade)) {
  if (authenticated_ && options_.require_subprotocol) {
    authenticated_ = false;
    refused_ = true;
    spdlog::warn("websocket {}: refused: 'prefect' subprotocol required", upgrade.path);
    peer_->close(1008, options_.refusal_reason.value_or("'prefect' subprotocol required"));
  }
}

void AuthenticatedSocket::on_text(std::string_view message) {
  if (authenticated_) return on_message(message);
  if (refused_) return;
  auto o = parse_object(message);
  auto refusal = o ? websocket_auth_refusal(*o, auth_string_) : std::optional<std::string>("Expected 'auth' message");
  if (refusal) {
    refused_ = true;
    spdlog::warn("websocket {}: closed at the auth handshake: {}", kind(), *refusal);
    return peer_->close(1008, options_.refusal_reason.value_or(*refusal));
  }
  authenticated_ = true;
  peer_->send_text(R"({"type":"auth_success"})");
}

}  // namespace praetor::api
