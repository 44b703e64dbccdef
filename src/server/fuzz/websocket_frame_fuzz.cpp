// libFuzzer harness: WebSocket frames as a server-side session decodes them after the
// upgrade (server/websocket_session.cpp): the input is the byte stream the client sends after
// its handshake (masked frames, control frames, fragments, close), read message by message
// with the session's limits until an error or the end of the stream. Each text message is
// read as the JSON the /events/in and /events/out endpoints expect.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>


namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// The limit the harness reads under: small, so the fuzzer reaches the message_too_big path
// (the server's is ServerOptions::max_body_bytes, the same code with a larger number).
constexpr std::size_t kMessageLimit = 4096;

http::request<http::string_body> upgrade_request() {
  http::request<http::string_body> req{http::verb::get, "/api/events/in", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  req.set(http::field::sec_websocket_protocol, "prefect");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t read_size = std::size_t{data[0]} + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  boost::asio::io_context ioc;
  beast::test::stream server(ioc);
  beast::test::stream client(ioc);
  server.connect(client);
  websocket::stream<beast::test::stream> ws(std::move(server));
  ws.next_layer().read_size(read_size);
  ws.read_message_max(kMessageLimit);
  beast::error_code ec;
  ws.accept(upgrade_request(), ec);  // writes the 101 to the client
  if (ec) return 0;
  ws.next_layer().append(bytes);
  client.close();  // the frames, then the end of the stream

  beast::flat_buffer buffer;
  for (int messages = 0; messages < 256; ++messages) {
    ws.read(buffer, ec);
    if (ec) break;
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    boost::system::error_code parse_ec;
    (void)boost::json::parse(text, parse_ec);
  }
  return 0;
}
