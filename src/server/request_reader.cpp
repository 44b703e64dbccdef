#include "server/request_reader.h"

#include <cctype>
#include <string>
#include <string_view>

namespace praetor::server {

namespace http = boost::beast::http;

void limit_request(RequestParser& parser, std::size_t max_body_bytes) {
  parser.body_limit(max_body_bytes);
  parser.header_limit(kMaxHeaderBytes);
}

api::Request to_api_request(http::request<http::string_body>& req) {
  api::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(req.body());
  return out;
}

}  // namespace praetor::server
