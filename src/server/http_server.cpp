#include "server/http_server.h"
#include "core/thread_role.h"

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "core/repeated_log.h"
#include "server/http_session.h"
#include "server/server_state.h"

namespace praetor::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  ServerState state;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer accept_timer;
  static constexpr std::chrono::milliseconds kFirstPause{10}, kLongestPause{1000};
  static constexpr std::chrono::seconds kMinIdleBeforeShed{1};
  std::chrono::milliseconds accept_pause = kFirstPause;
  core::RepeatedLog repeated_failures;

  Impl(ServerOptions options, const api::Router& router)
      : state(std::move(options), router),
        acceptor(state.ioc),
        signals(state.ioc, SIGINT, SIGTERM),
        accept_timer(state.ioc) {}

  // Accepts while under the connection cap. At the cap, or when the process is out of
  // descriptors (EMFILE/ENFILE), it closes connections idle the longest and retries after a
  // pause that doubles up to a second, rather than spinning on a backlog it cannot take.
  void accept() {
    if (state.connections.full()) {
      shed_idle();
      return retry_accept_later();
    }
    acceptor.async_accept(net::make_strand(state.ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        bool out_of_descriptors = ec == net::error::no_descriptors || ec.value() == ENFILE ||
                                  ec == net::error::no_buffer_space || ec == net::error::no_memory;
        if (out_of_descriptors) shed_idle();
        repeated_failures.log(spdlog::level::warn, "accept failed: " + ec.message() +
                                                       (out_of_descriptors ? out_of_descriptors_hint() : ""));
        return retry_accept_later();
      }
      accept_pause = kFirstPause;
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpSession>(std::move(socket), state)->start();
      accept();
    });
  }

  std::string out_of_descriptors_hint() const {
    return " (" + std::to_string(state.connections.open()) + " connections open, cap " +
           std::to_string(state.connections.cap()) + "; raise `ulimit -n` or lower PRAETOR_SERVER_MAX_CONNECTIONS)";
  }

  // Makes room for waiting clients (and /api/health): a tenth of the cap, longest idle first.
  void shed_idle() {
    int closed = state.connections.close_longest_idle(std::max(1, state.connections.cap() / 10), kMinIdleBeforeShed);
    if (closed > 0) {
      repeated_failures.log(spdlog::level::warn, "connection cap " + std::to_string(state.connections.cap()) +
                                                     " reached: closing connections idle the longest");
    }
  }

  void retry_accept_later() {
    accept_timer.expires_after(accept_pause);
    accept_pause = std::min(accept_pause * 2, kLongestPause);
    accept_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec && acceptor.is_open()) accept();
    });
  }

  void shutdown() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    accept_timer.cancel();
    signals.cancel(ignored);
    state.stopping = true;
    // Handlers already queued run to completion, so writes they started are committed.
    state.handlers.join();
    stop_when_async_done();
  }

  // Requests waiting for a commit are answered before the I/O threads stop: their
  // completions post onto this io_context, which must outlive them.
  void stop_when_async_done() {
    if (state.async_requests.load() == 0) return state.ioc.stop();
    auto timer = std::make_shared<net::steady_timer>(state.ioc, std::chrono::milliseconds(2));
    timer->async_wait([this, timer](boost::system::error_code) { stop_when_async_done(); });
  }
};

HttpServer::HttpServer(ServerOptions options, const api::Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() = default;

core::Status HttpServer::listen() {
  boost::system::error_code ec;
  auto address = net::ip::make_address(impl_->state.options.host, ec);
  if (ec) return core::Error::invalid("invalid host '" + impl_->state.options.host + "': " + ec.message());
  tcp::endpoint endpoint(address, impl_->state.options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error::unavailable("cannot listen on " + impl_->state.options.host + ":" +
                                    std::to_string(impl_->state.options.port) + ": " + ec.message());
  }
  return core::Ok{};
}

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run() {
  impl_->signals.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down", signal);
    impl_->shutdown();
  });
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->state.options.io_threads; ++i) threads.emplace_back([this] {
      core::name_this_thread("praetor-io");
      impl_->state.ioc.run();
    });
  impl_->state.ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop() {
  net::post(impl_->state.ioc, [this] { impl_->shutdown(); });
}

}  // namespace praetor::server
