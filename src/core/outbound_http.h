// An HTTP request to a system outside Praetor (a webhook, a notification service), as
// automations' actions send them. The transport is in server/http_client.h, the one module
// built with Asio and Beast; other modules receive it as an OutboundHttp function.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace praetor::core {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct OutboundRequest {
  std::string method = "POST";
  std::string url;  // http:// or https://
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // for the whole exchange, resolving included
  bool verify_tls = true;                    // check the server's certificate and host name
  bool allow_private_addresses = true;       // false: refuse loopback, private and link-local hosts
};

struct OutboundResponse {
  int status = 0;
  HeaderList headers;
  std::string body;  // at most kMaxOutboundBody bytes are read
};

inline constexpr std::size_t kMaxOutboundBody = 1 << 20;

// Sends one request and reads its response; an error names what failed (the URL, the
// connection, TLS, the timeout). A response of any status is a response, not an error.
using OutboundHttp = std::function<Result<OutboundResponse>(const OutboundRequest&)>;

}  // namespace praetor::core
