#include "api/security.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "core/utf8.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Python's str.isspace() for a header value decoded as Latin-1 (how Starlette decodes it).
bool python_space(unsigned char ch) {
  return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f) || ch == 0x85 || ch == 0xa0;
}

// Starlette's CORSMiddleware constants.
constexpr const char* kAllMethods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"};
constexpr const char* kSafelistedHeaders[] = {"Accept", "Accept-Language", "Content-Language", "Content-Type"};
constexpr const char* kPreflightVary =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";

void set_header(Response& response, std::string_view name, std::string value) {
  for (auto& [n, v] : response.headers) {
    if (lower(n) == name) {
      v = std::move(value);
      return;
    }
  }
  response.headers.emplace_back(std::string(name), std::move(value));
}

void append_vary_origin(Response& response) {
  for (auto& [n, v] : response.headers) {
    if (lower(n) == "vary") {
      v += ", Origin";
      return;
    }
  }
  response.headers.emplace_back("vary", "Origin");
}

Response unauthorized() { return json_response(401, json::object{{"exception_message", "Unauthorized"}}); }

Response forbidden(std::string_view detail) { return json_response(403, json::object{{"detail", detail}}); }

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer text is read whatever the contents, so the time tells only the
  // lengths (as hmac.compare_digest).
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  // Read through a volatile so the compiler cannot end the loop at the first difference.
  volatile unsigned char result = diff;
  return result == 0;
}

std::optional<std::string> decode_base64_lenient(std::string_view text) {
  auto value = [](unsigned char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  std::string out;
  int quad_pos = 0, pads = 0;
  unsigned left = 0;
  for (char c : text) {
    auto ch = static_cast<unsigned char>(c);
    if (ch >= 0x80) return std::nullopt;  // Python refuses a str that is not ASCII
    if (ch == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) return out;  // a complete pad ends the data
      continue;
    }
    int v = value(ch);
    if (v < 0) continue;
    pads = 0;
    switch (quad_pos) {
      case 0:
        left = static_cast<unsigned>(v);
        quad_pos = 1;
        break;
      case 1:
        out.push_back(static_cast<char>((left << 2) | (static_cast<unsigned>(v) >> 4)));
        left = static_cast<unsigned>(v) & 0x0f;
        quad_pos = 2;
        break;
      case 2:
        out.push_back(static_cast<char>((left << 4) | (static_cast<unsigned>(v) >> 2)));
        left = static_cast<unsigned>(v) & 0x03;
        quad_pos = 3;
        break;
      default:
        out.push_back(static_cast<char>((left << 6) | static_cast<unsigned>(v)));
        left = 0;
        quad_pos = 0;
        break;
    }
  }
  if (quad_pos != 0) return std::nullopt;  // incorrect padding
  return out;
}

std::optional<std::string> basic_credentials(std::string_view authorization) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < authorization.size()) {
    while (i < authorization.size() && python_space(static_cast<unsigned char>(authorization[i]))) ++i;
    size_t start = i;
    while (i < authorization.size() && !python_space(static_cast<unsigned char>(authorization[i]))) ++i;
    if (i > start) words.push_back(authorization.substr(start, i - start));
  }
  if (words.size() != 2 || words[0] != "Basic") return std::nullopt;
  auto decoded = decode_base64_lenient(words[1]);
  if (!decoded || !core::valid_utf8(*decoded)) return std::nullopt;
  return decoded;
}

bool basic_auth_allows(const Request& request, std::string_view auth) {
  // Prefect's middleware sits on the API app mounted at /api, and matches the probe paths
  // exactly (after percent-decoding), so "/api/health/" or ".../system-health" need auth.
  std::string path = percent_decode(request.path);
  if (path != "/api" && path.rfind("/api/", 0) != 0) return true;
  if (request.method == "GET" && (path == "/api/health" || path == "/api/ready")) return true;
  auto header = request.header("authorization");
  if (!header) return false;
  auto credentials = basic_credentials(*header);
  return credentials && constant_time_equal(*credentials, auth);
}

bool offers_prefect_subprotocol(const Request& upgrade) {
  for (const auto& [name, value] : upgrade.headers) {
    if (name != "sec-websocket-protocol") continue;
    std::string_view rest = value;
    for (;;) {
      size_t comma = rest.find(',');
      if (trim(rest.substr(0, comma)) == "prefect") return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::optional<std::string> websocket_auth_refusal(const json::object& message, const std::optional<std::string>& auth) {
  const json::value* type = message.if_contains("type");
  if (!type || !type->is_string() || type->get_string() != "auth") return "Expected 'auth' message";
  if (!auth || auth->empty()) return std::nullopt;
  const json::value* token = message.if_contains("token");
  // Prefect tests the token's truthiness: absent, null, "" (and false, 0, {}, []) mean none.
  bool present = token && !token->is_null() && !(token->is_string() && token->get_string().empty()) &&
                 !(token->is_bool() && !token->get_bool()) && !(token->is_number() && token->to_number<double>() == 0) &&
                 !(token->is_array() && token->get_array().empty()) && !(token->is_object() && token->get_object().empty());
  if (!present) return "Auth required but no token provided";
  if (!token->is_string() || !constant_time_equal(token->get_string(), *auth)) return "Invalid token";
  return std::nullopt;
}

bool is_json_content_type(std::string_view content_type) {
  // email.message's reading: the type before ';', trimmed, case-insensitive.
  std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  auto slash = type.find('/');
  if (slash == std::string::npos || type.substr(0, slash) != "application") return false;
  std::string_view subtype = std::string_view(type).substr(slash + 1);
  return subtype == "json" || (subtype.size() >= 5 && subtype.substr(subtype.size() - 5) == "+json");
}

std::optional<Response> non_json_body_refusal(const Request& request) {
  if (request.body.empty()) return std::nullopt;
  if (request.method != "POST" && request.method != "PUT" && request.method != "PATCH") return std::nullopt;
  auto content_type = request.header("content-type");
  if (!content_type || is_json_content_type(*content_type)) return std::nullopt;
  // Prefect echoes the body as text (it never parsed it); the JSON encoder needs valid UTF-8.
  std::string text = core::valid_utf8(request.body) ? request.body : std::string("<non-UTF-8 body>");
  json::array detail{json::object{{"type", "model_attributes_type"},
                                  {"loc", json::array{"body"}},
                                  {"msg", "Input should be a valid dictionary or object to extract fields from"},
                                  {"input", text}}};
  return json_response(422, json::object{{"exception_message", "Invalid request received."},
                                         {"exception_detail", std::move(detail)},
                                         {"request_body", text}});
}

CorsPolicy::CorsPolicy(const std::string& origins, const std::string& methods, const std::string& headers) {
  origins_ = split_commas(origins);
  all_origins_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
  methods_ = split_commas(methods);
  if (std::find(methods_.begin(), methods_.end(), "*") != methods_.end()) {
    methods_.assign(std::begin(kAllMethods), std::end(kAllMethods));
  }
  methods_header_ = join(methods_, ", ");
  auto listed = split_commas(headers);
  all_headers_ = std::find(listed.begin(), listed.end(), "*") != listed.end();
  std::set<std::string> allowed(std::begin(kSafelistedHeaders), std::end(kSafelistedHeaders));
  allowed.insert(listed.begin(), listed.end());
  std::vector<std::string> sorted(allowed.begin(), allowed.end());  // Python's sorted(): byte order
  headers_header_ = join(sorted, ", ");
  for (const auto& h : sorted) headers_lower_.push_back(lower(h));
}

bool CorsPolicy::allows_origin(std::string_view origin) const {
  return all_origins_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

std::optional<Response> CorsPolicy::preflight(const Request& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  auto origin = request.header("origin");
  auto method = request.header("access-control-request-method");
  if (!origin || !method) return std::nullopt;
  auto requested_headers = request.header("access-control-request-headers");

  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("vary", kPreflightVary);
  if (all_origins_) r.headers.emplace_back("access-control-allow-origin", "*");
  r.headers.emplace_back("access-control-allow-methods", methods_header_);
  r.headers.emplace_back("access-control-max-age", "600");
  if (!all_headers_) r.headers.emplace_back("access-control-allow-headers", headers_header_);

  std::vector<std::string> failures;
  if (allows_origin(*origin)) {
    if (!all_origins_) r.headers.emplace_back("access-control-allow-origin", *origin);
  } else {
    failures.push_back("origin");
  }
  if (std::find(methods_.begin(), methods_.end(), *method) == methods_.end()) failures.push_back("method");
  if (all_headers_ && requested_headers) {
    set_header(r, "access-control-allow-headers", *requested_headers);
  } else if (requested_headers) {
    std::string_view rest = *requested_headers;
    for (;;) {
      size_t comma = rest.find(',');
      std::string h(trim(lower(rest.substr(0, comma))));
      if (std::find(headers_lower_.begin(), headers_lower_.end(), h) == headers_lower_.end()) {
        failures.push_back("headers");
        break;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // Starlette's allow_private_network is off, so any private-network request fails.
  if (request.header("access-control-request-private-network")) failures.push_back("private-network");
  if (!failures.empty()) {
    r.status = 400;
    r.body = "Disallowed CORS " + join(failures, ", ");
  } else {
    r.status = 200;
    r.body = "OK";
  }
  return r;
}

void CorsPolicy::decorate(const Request& request, Response& response) const {
  auto origin = request.header("origin");
  if (origin && all_origins_) set_header(response, "access-control-allow-origin", "*");
  if (origin && !all_origins_ && allows_origin(*origin)) set_header(response, "access-control-allow-origin", *origin);
  append_vary_origin(response);
}

SecurityMiddleware::SecurityMiddleware(std::optional<std::string> auth, CorsPolicy cors, CsrfCheck csrf)
    : auth_(std::move(auth)), cors_(std::move(cors)), csrf_(std::move(csrf)) {}

bool SecurityMiddleware::may_block(const Request& request) const {
  return csrf_ && (request.method == "POST" || request.method == "PUT" || request.method == "PATCH" ||
                   request.method == "DELETE");
}

std::optional<Response> SecurityMiddleware::csrf_refusal(const Request& request) const {
  if (!may_block(request)) return std::nullopt;
  // Prefect's CsrfMiddleware runs outside CORS: its refusals carry no CORS headers, except
  // the explicit Access-Control-Allow-Origin on an invalid token.
  auto token = request.header("prefect-csrf-token");
  if (!token) return forbidden("Missing CSRF token.");
  auto client = request.header("prefect-csrf-client");
  if (!client) return forbidden("Missing client identifier.");
  auto ok = csrf_(*client, *token);
  if (!ok) return error_response(ok.error(), request);
  if (!*ok) {
    Response r = forbidden("Invalid CSRF token or client identifier.");
    r.headers.emplace_back("access-control-allow-origin", "*");
    return r;
  }
  return std::nullopt;
}

std::optional<Response> SecurityMiddleware::before(const Request& request) const {
  if (auto refused = csrf_refusal(request)) return refused;
  if (auto answer = cors_.preflight(request)) return answer;
  if (auth_ && !basic_auth_allows(request, *auth_)) {
    Response r = unauthorized();
    cors_.decorate(request, r);
    return r;
  }
  return std::nullopt;
}

void SecurityMiddleware::after(const Request& request, Response& response) const { cors_.decorate(request, response); }

std::optional<Response> SecurityMiddleware::before_upgrade(const Request& upgrade) const {
  if (!auth_ || offers_prefect_subprotocol(upgrade)) return std::nullopt;
  spdlog::warn("WebSocket {} refused: the 'prefect' subprotocol is required when auth is configured", upgrade.path);
  Response r;
  r.status = 403;
  r.content_type.clear();
  return r;
}

}  // namespace praetor::api
