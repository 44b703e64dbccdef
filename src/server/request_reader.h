// Bytes to an api::Request: the HTTP/1.1 parser with the limits the server reads every
// request under, and the conversion of Beast's message to the transport-free request the
// router sees. Shared by HttpSession and the HTTP framing fuzz harness (fuzz/), so the
// harness checks exactly what a connection runs.
#pragma once

#include <cstddef>

#include <boost/beast/http.hpp>

#include "api/http.h"

namespace praetor::server {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Request line and headers together (Beast answers more with error::header_limit: a 400).
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

// Applies the server's limits to a fresh parser: headers up to kMaxHeaderBytes, a body
// (after chunked decoding) up to `max_body_bytes` (more is error::body_limit: a 413).
void limit_request(RequestParser& parser, std::size_t max_body_bytes);

// The request as handlers see it: header names lower-cased, path and query split at the
// first '?', both still percent-encoded. The body is moved out of `req` (a large body is
// not held twice).
api::Request to_api_request(boost::beast::http::request<boost::beast::http::string_body>& req);

}  // namespace praetor::server
