#include "server/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace praetor::server {
namespace {

using namespace std::chrono_literals;

// A one-connection loopback peer: reads one request (headers and a Content-Length body),
// then answers `reply` (or nothing, to be silent).
class Peer {
 public:
  explicit Peer(std::string reply) : reply_(std::move(reply)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Peer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  const std::string& received() const { return received_; }

 private:
  void serve() {
    int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    std::size_t expected = std::string::npos;
    for (;;) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      received_.append(buf, static_cast<std::size_t>(n));
      auto end = received_.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (expected == std::string::npos) {
        std::size_t length = 0;
        auto at = received_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(received_.substr(at + 16));
        expected = end + 4 + length;
      }
      if (received_.size() >= expected) break;
    }
    if (!reply_.empty()) {
      (void)!::write(fd, reply_.data(), reply_.size());
    } else {
      std::this_thread::sleep_for(1500ms);  // silent until the client gives up
    }
    ::close(fd);
  }

  std::string reply_;
  int listener_ = -1;
  int port_ = 0;
  std::string received_;
  std::thread thread_;
};

TEST(HttpClient, SendsTheRequestAndReadsTheResponse) {
  Peer peer("HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nX-Seen: yes\r\nContent-Length: 5\r\n\r\nthanks");
  core::OutboundRequest request;
  request.method = "PUT";
  request.url = peer.url("/hook/a%20b?x=1&y=2");
  request.headers = {{"Authorization", "Bearer t"}};
  request.body = R"({"text":"hi"})";
  auto response = send_outbound_request(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "thank");
  bool seen = false;
  for (const auto& [name, value] : response->headers) seen = seen || (name == "X-Seen" && value == "yes");
  EXPECT_TRUE(seen);
  EXPECT_TRUE(peer.received().starts_with("PUT /hook/a%20b?x=1&y=2 HTTP/1.1\r\n")) << peer.received();
  EXPECT_NE(peer.received().find("Authorization: Bearer t\r\n"), std::string::npos);
  EXPECT_NE(peer.received().find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_TRUE(peer.received().ends_with(R"({"text":"hi"})"));
}

TEST(HttpClient, ASilentPeerCostsTheTimeout) {
  Peer peer("");
  core::OutboundRequest request;
  request.url = peer.url("/");
  request.timeout = 300ms;
  auto started = std::chrono::steady_clock::now();
  auto response = send_outbound_request(request);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("no response within"), std::string::npos) << response.error().message;
  EXPECT_LT(took, 1200ms);
}

TEST(HttpClient, PrivateAddressesAreRefusedWhenNotAllowed) {
  core::OutboundRequest request;
  request.url = "http://127.0.0.1:9/";
  request.allow_private_addresses = false;
  auto response = send_outbound_request(request);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("private address"), std::string::npos) << response.error().message;
}

TEST(HttpClient, BadUrlsAreErrorsThatSayWhy) {
  core::OutboundRequest request;
  request.url = "ftp://example.com/x";
  auto scheme = send_outbound_request(request);
  ASSERT_FALSE(scheme);
  EXPECT_NE(scheme.error().message.find("unsupported URL scheme 'ftp'"), std::string::npos);
  request.url = "not a url";
  EXPECT_FALSE(send_outbound_request(request));
  request.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  auto refused = send_outbound_request(request);
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().message.empty());
}

}  // namespace
}  // namespace praetor::server
