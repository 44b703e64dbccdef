// Transport-free HTTP request and response types. The server/ layer converts Beast's types
// to these, so handlers never see Beast or Asio.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

namespace praetor::api {

struct Request {
  std::string method;  // "GET", "POST", …
  std::string path;    // path as sent (still percent-encoded), without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::optional<std::string> header(std::string_view lower_name) const;
  // First value of a query parameter, percent-decoded.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this file's content, which the transport streams from disk (body
  // stays empty; a file that cannot be opened is answered 404).
  std::string file;
  // The template of the route that answered, as registered without parameter types (e.g.
  // "/api/flows/{id}"), for metrics and the access log; set by the Router: "unmatched" when
  // no route matched, "ui" for the UI site. Never a raw path (that may carry names).
  std::string route;
};

std::string percent_decode(std::string_view text, bool plus_is_space = false);

Response json_response(int status, const boost::json::value& body);
Response no_content();  // 204

}  // namespace praetor::api
