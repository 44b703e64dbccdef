#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "api/router.h"

namespace praetor::server {
namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until the peer closes or `stop_after` has arrived.
std::string read_until(int fd, const std::string& stop_after) {
  std::string received;
  char buf[4096];
  while (received.find(stop_after) == std::string::npos) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    received.append(buf, static_cast<std::size_t>(n));
  }
  return received;
}

// A keep-alive connection idle at shutdown holds a pending read (and an idle ticket of the
// connection cap) until the I/O context is destroyed; the state that ticket releases into
// must outlive it (under ASan, a release into freed state fails this test).
TEST(HttpServer, StopsAndIsDestroyedWithAnIdleKeepAliveConnectionOpen) {
  api::Router router;
  router.add("GET", "/ping", [](const api::Request&, const api::PathParams&) -> core::Result<api::Response> {
    api::Response response;
    response.body = "{\"pong\":true}";
    return response;
  });
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.handler_threads = 1;
  int fd = -1;
  {
    HttpServer server(options, router);
    ASSERT_TRUE(server.listen().ok());
    std::thread runner([&] { server.run(); });
    fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    const std::string request = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    const std::string response = read_until(fd, "{\"pong\":true}");
    EXPECT_NE(response.find("HTTP/1.1 200"), std::string::npos) << response;
    EXPECT_NE(response.find("{\"pong\":true}"), std::string::npos) << response;
    // The connection now waits for its next request.
    server.stop();
    runner.join();
  }
  // The server is gone: its end of the idle connection is closed.
  char byte;
  EXPECT_EQ(::read(fd, &byte, 1), 0);
  ::close(fd);
}

}  // namespace
}  // namespace praetor::server
