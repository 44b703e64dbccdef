// One HTTP/1.1 keep-alive connection. Reads a request, runs its handler on the handler
// pool, writes the response, repeats; hands the socket to a WebSocketSession on upgrade.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/body_budget.h"
#include "server/request_reader.h"
#include "server/server_state.h"

namespace praetor::server {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, ServerState& state);
  void start();

 private:
  void read_request();
  // Headers read: reserves the body's bytes (server/body_budget.h), then reads the body.
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // A HEAD request's response gets its GET's Content-Length and no body. A body of at least
  // kGzipMinimumBytes goes gzip-encoded when the request accepts it (server/gzip.h).
  // `encoded`: the body is already gzip (a UI asset from gzip_file).
  void write(api::Response response, bool keep_alive, unsigned version, bool encoded = false);
  // A response whose body is a file (api::Response::file), streamed from disk.
  void write_file(api::Response response, bool keep_alive, unsigned version);
  template <class Message>
  void send(std::shared_ptr<Message> message);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  BodyBudget::Grant body_grant_;  // the body's bytes, held from its read until its answer is written
  std::shared_ptr<void> pending_;  // the response being written (string or file body)
  ServerState& state_;
  ConnectionLimit::Slot slot_;
  ConnectionLimit::IdleTicket idle_;  // registered while waiting for a request
  bool head_request_ = false;  // the request being answered is a HEAD (one at a time)
  bool gzip_ok_ = false;       // ... and its Accept-Encoding takes gzip (server/gzip.h)
  // The request being answered, for its access line and metrics: recorded once, at write.
  std::string method_;
  std::chrono::steady_clock::time_point started_;
  bool recorded_ = false;
  void record(std::string_view route, int status);
};

}  // namespace praetor::server
