// /api/work_pools/{name}/workers/connect, the worker channel (Prefect's api/workers.py
// worker_channel_connect). The "prefect" subprotocol is required and every handshake
// refusal closes 1008 "authentication_failed" (accept_prefect_socket with
// require_prefect_subprotocol). Then the worker's hello is answered by worker.ready.v1, or a
// close naming the reason; after it, heartbeats and cleanup operations are read, and
// anything else closes 1002 "protocol_error". The work runs on the hub (worker_channel_hub.h).
#include <spdlog/spdlog.h>

#include "api/authenticated_socket.h"
#include "api/routes.h"
#include "api/worker_channel_hub.h"
#include "api/worker_channel_protocol.h"

namespace praetor::api {

namespace wc = worker_channel;

namespace {

constexpr std::string_view kPrefix = "/api/work_pools/";
constexpr std::string_view kSuffix = "/workers/connect";

// The {name} of the upgrade's path (the router matched it), percent-decoded.
std::string pool_name_of(const Request& upgrade) {
  std::string_view path = upgrade.path;
  path.remove_prefix(std::min(path.size(), kPrefix.size()));
  if (path.size() >= kSuffix.size()) path.remove_suffix(kSuffix.size());
  return percent_decode(path);
}

class WorkerChannelSocket final : public AuthenticatedSocket {
 public:
  WorkerChannelSocket(ApiContext& ctx, std::shared_ptr<WorkerChannelHub> hub, const Request& upgrade,
                      std::shared_ptr<WebSocketPeer> peer)
      : AuthenticatedSocket(upgrade, std::move(peer), ctx.settings.auth_string,
                            HandshakeOptions{true, wc::close_reason_name(wc::CloseReason::kAuthenticationFailed)}),
        hub_(std::move(hub)),
        pool_name_(pool_name_of(upgrade)) {}
  ~WorkerChannelSocket() override { on_closed(); }

  void on_closed() override {
    closing_ = true;
    if (connection_) hub_->close(connection_);
  }

 private:
  const char* kind() const override { return "/work_pools/{name}/workers/connect"; }

  void refuse(const wc::ChannelError& error) {
    closing_ = true;
    if (connection_) return hub_->close(connection_, error);
    spdlog::info("worker channel: pool '{}' setup refused: {} ({})", pool_name_, wc::close_reason_name(error.reason),
                 error.detail);
    peer_->close(wc::close_code(error.reason), wc::close_reason_name(error.reason));
  }

  void on_message(std::string_view message) override {
    if (closing_) return;
    if (!connection_) {
      auto hello = wc::read_hello(message);
      if (!hello.value) return refuse(hello.error);
      connection_ = std::make_shared<WorkerChannelConnection>(peer_, pool_name_, std::move(*hello.value));
      return hub_->open(connection_);
    }
    auto frame = wc::read_client_frame(message);
    if (!frame.value) return refuse(frame.error);
    if (frame.value->heartbeat) {
      const auto& hb = *frame.value->heartbeat;
      // The heartbeat must name the worker that said hello.
      if (hb.consumer_id != connection_->hello().consumer_id || hb.worker_name != connection_->hello().worker_name) {
        return refuse(wc::ChannelError{wc::CloseReason::kProtocolError, "heartbeat from another worker"});
      }
      return hub_->heartbeat(connection_);
    }
    if (frame.value->cleanup) return hub_->cleanup_operation(connection_, std::move(*frame.value->cleanup));
  }

  std::shared_ptr<WorkerChannelHub> hub_;
  const std::string pool_name_;
  std::shared_ptr<WorkerChannelConnection> connection_;
  bool closing_ = false;
};

}  // namespace

void register_worker_channel_route(Router& router, ApiContext& ctx, const std::shared_ptr<WorkerChannelHub>& hub) {
  router.add_websocket("/api/work_pools/{name}/workers/connect",
                       [&ctx, hub](const Request& upgrade, std::shared_ptr<WebSocketPeer> peer) {
                         return std::make_unique<WorkerChannelSocket>(ctx, hub, upgrade, std::move(peer));
                       });
}

}  // namespace praetor::api
