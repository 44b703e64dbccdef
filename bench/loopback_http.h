// A blocking HTTP/1.1 keep-alive client over a loopback TCP socket, for the benchmark tools
// (load_driver.cpp, event_sender.cpp). Deliberately minimal: one request at a time,
// Content-Length or chunked responses.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

namespace bench {

// Connects a TCP socket to 127.0.0.1:port with TCP_NODELAY; throws on failure.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Writes all of `data`; throws when the peer is gone.
inline void send_all(int fd, const char* data, size_t size) {
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send");
    off += static_cast<size_t>(n);
  }
}

class Connection {
 public:
  explicit Connection(int port) : fd_(connect_loopback(port)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { ::close(fd_); }

  // True when the last response said "Connection: close" (uvicorn does after an error).
  bool peer_closing() const { return peer_closing_; }
  // The last response's Retry-After in seconds (the delta-seconds form), or -1 without one.
  double retry_after_seconds() const { return retry_after_; }

  // Sends one request and returns (status, body).
  std::pair<int, std::string> request(const std::string& method, const std::string& path, const std::string& body) {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    send_all(req);
    return read_response();
  }

 private:
  void send_all(const std::string& data) { bench::send_all(fd_, data.data(), data.size()); }
  void fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("recv");
    buf_.append(tmp, static_cast<size_t>(n));
  }
  std::pair<int, std::string> read_response() {
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) fill();
    std::string head = buf_.substr(0, header_end);
    int status = std::atoi(head.c_str() + 9);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    size_t body_start = header_end + 4;
    peer_closing_ = lower.find("connection: close") != std::string::npos;
    auto ra = lower.find("\r\nretry-after:");
    retry_after_ = ra == std::string::npos ? -1 : std::strtod(head.c_str() + ra + 14, nullptr);
    std::string body;
    auto cl = lower.find("content-length:");
    if (cl != std::string::npos) {
      size_t len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      while (buf_.size() < body_start + len) fill();
      body = buf_.substr(body_start, len);
      buf_.erase(0, body_start + len);
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      size_t pos = body_start;
      for (;;) {
        size_t line_end;
        while ((line_end = buf_.find("\r\n", pos)) == std::string::npos) fill();
        size_t len = std::strtoul(buf_.c_str() + pos, nullptr, 16);
        while (buf_.size() < line_end + 2 + len + 2) fill();
        body.append(buf_, line_end + 2, len);
        pos = line_end + 2 + len + 2;
        if (len == 0) break;
      }
      buf_.erase(0, pos);
    } else {
      buf_.erase(0, body_start);
    }
    return {status, body};
  }

  int fd_;
  bool peer_closing_ = false;
  double retry_after_ = -1;
  std::string buf_;
};

}  // namespace bench
