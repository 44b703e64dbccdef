// libFuzzer harness: HTTP/1.1 request framing as a keep-alive connection reads it. The input
// is the byte stream a client sends; requests are read one after another with the server's
// parser and limits (server/request_reader.h) until an error or the end of the stream, each
// converted to the api::Request the router sees. The first byte picks how many bytes each
// socket read returns (1..256), so the parser also sees headers and chunks split anywhere.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/request_reader.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// The body limit of the harness: small enough that the fuzzer reaches error::body_limit (the
// server's default, 64 MB, is the same code path with a larger number).
constexpr std::size_t kBodyLimit = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t read_size = std::size_t{data[0]} + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  boost::asio::io_context ioc;
  beast::test::stream server(ioc);
  beast::test::stream client(ioc);
  server.connect(client);
  server.read_size(read_size);
  server.append(bytes);
  client.close();  // the server reads the bytes, then the end of the stream

  beast::flat_buffer buffer;
  for (int requests = 0; requests < 64; ++requests) {
    praetor::server::RequestParser parser;
    praetor::server::limit_request(parser, kBodyLimit);
    beast::error_code ec;
    http::read(server, buffer, parser, ec);
    if (ec) break;  // 400 / 413 / closed: the session answers and closes the connection
    auto req = parser.release();
    praetor::api::Request request = praetor::server::to_api_request(req);
    (void)beast::websocket::is_upgrade(req);
    (void)request.query_param("limit");
    (void)request.header("content-type");
    (void)praetor::api::percent_decode(request.path);
    if (!req.keep_alive()) break;
  }
  return 0;
}
