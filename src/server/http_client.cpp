#include "server/http_client.h"

#include <exception>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

namespace praetor::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path_and_query;
  std::string host_header;
};

core::Result<Target> parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return core::Error::invalid("not an absolute URL");
  Target t;
  std::string scheme(parsed->scheme());
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    return core::Error::invalid("unsupported URL scheme '" + scheme + "' (http and https are)");
  }
  t.host = parsed->host_address();
  if (t.host.empty()) return core::Error::invalid("the URL has no host");
  t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
  t.path_and_query = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) t.path_and_query += "?" + std::string(parsed->encoded_query());
  t.host_header = std::string(parsed->encoded_host_and_port());
  return t;
}

// Loopback, private, link-local, unique-local and unspecified addresses (what Prefect's
// validate_restricted_url refuses when a block disallows private URLs).
bool is_private(const asio::ip::address& a) {
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return is_private(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
    auto bytes = v6.to_bytes();
    return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || (bytes[0] & 0xfe) == 0xfc;
  }
  auto b = a.to_v4().to_bytes();
  return b[0] == 127 || b[0] == 10 || b[0] == 0 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
         (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xc0) == 64);
}

using Response = http::response_parser<http::string_body>;

template <class Stream>
asio::awaitable<void> write_and_read(Stream& stream, http::request<http::string_body>& request, Response& response) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  co_await http::async_read(stream, buffer, response, asio::use_awaitable);
}

asio::awaitable<void> exchange(const Target& target, const core::OutboundRequest& outbound,
                               http::request<http::string_body>& request, Response& response) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
  if (!outbound.allow_private_addresses) {
    for (const auto& e : endpoints) {
      if (is_private(e.endpoint().address()))
        throw std::runtime_error("the host resolves to a private address, and the block does not allow private URLs");
    }
  }
  if (!target.tls) {
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await write_and_read(stream, request, response);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  ssl::context context(ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(outbound.verify_tls ? ssl::verify_peer : ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()))
    throw std::runtime_error("TLS: cannot set the server name");
  if (outbound.verify_tls) stream.set_verify_callback(ssl::host_name_verification(target.host));
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
  co_await write_and_read(stream, request, response);
}

}  // namespace

core::Result<core::OutboundResponse> send_outbound_request(const core::OutboundRequest& outbound) {
  auto target = parse_target(outbound.url);
  if (!target) return target.error();
  auto verb = http::string_to_verb(outbound.method);
  if (verb == http::verb::unknown) return core::Error::invalid("unknown HTTP method " + outbound.method);

  http::request<http::string_body> request{verb, target->path_and_query, 11};
  request.set(http::field::host, target->host_header);
  request.set(http::field::user_agent, "praetor");
  for (const auto& [name, value] : outbound.headers) request.set(name, value);
  request.body() = outbound.body;
  request.prepare_payload();
  request.keep_alive(false);
  Response response;
  response.body_limit(core::kMaxOutboundBody);

  asio::io_context io;
  std::optional<std::string> failure;
  bool done = false;
  asio::co_spawn(io, exchange(*target, outbound, request, response), [&](std::exception_ptr error) {
    done = true;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  io.run_for(outbound.timeout);
  if (!done) {
    return core::Error::unavailable("no response within " + std::to_string(outbound.timeout.count() / 1000.0) + " s");
  }
  if (failure) return core::Error::unavailable(*failure);
  core::OutboundResponse out;
  auto& message = response.get();
  out.status = static_cast<int>(message.result_int());
  for (const auto& field : message) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(message.body());
  return out;
}

}  // namespace praetor::server
