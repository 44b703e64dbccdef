// Prefect 3.9.1's request security, transport-free: basic auth (the token_validation
// middleware of prefect/server/api/server.py and the WebSocket auth message of
// server/utilities/subscriptions.py), Starlette's CORSMiddleware as Prefect configures it,
// CSRF (server/api/middleware.py), and FastAPI's rule that only a JSON Content-Type makes a
// body JSON. The free functions are pure; SecurityMiddleware applies them in Prefect's order:
//   CSRF (state-changing methods) → CORS (preflights answered; headers on every answer)
//   → basic auth (paths under /api) → routing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/http.h"
#include "api/middleware.h"
#include "core/result.h"

namespace praetor::api {

// Equality in time that depends on the lengths only, not on where the texts differ
// (hmac.compare_digest).
bool constant_time_equal(std::string_view a, std::string_view b);

// Python's base64.b64decode(text) without validate: characters outside the alphabet are
// skipped and a complete pad ends the data. nullopt where Python raises (a non-ASCII
// character, incorrect padding).
std::optional<std::string> decode_base64_lenient(std::string_view text);

// The credentials of an Authorization header as Prefect reads them: exactly two words split
// on whitespace, "Basic" (case-sensitive) and base64 of UTF-8 text; nullopt otherwise.
std::optional<std::string> basic_credentials(std::string_view authorization);

// Whether `request` passes basic auth with the configured string `auth`: paths outside /api
// (not Prefect's API app), GET of exactly /api/health or /api/ready (probes), or an
// Authorization header whose credentials equal `auth`.
bool basic_auth_allows(const Request& request, std::string_view auth);

// Whether an upgrade's Sec-WebSocket-Protocol headers list "prefect".
bool offers_prefect_subprotocol(const Request& upgrade);

// The first WebSocket message of the "prefect" subprotocol: nullopt accepts it (answer
// {"type":"auth_success"}); otherwise the reason to close with 1008. The token is the auth
// string itself (not base64), checked only when a non-empty auth string is configured.
std::optional<std::string> websocket_auth_refusal(const boost::json::object& message,
                                                  const std::optional<std::string>& auth);

// FastAPI parses a body as JSON only when Content-Type is application/json or
// application/<anything>+json (parameters and case aside); Prefect treats a missing one as JSON.
bool is_json_content_type(std::string_view content_type);

// A POST/PUT/PATCH with a non-empty body declared as something other than JSON (a
// cross-site form or text/plain POST): the 422 Prefect gives a route whose body is a model,
// with the body echoed as text. Stricter than Prefect for routes whose body is only
// optional embedded fields (Prefect ignores such a body and runs the route with defaults,
// so a text/plain POST to /flows/bulk_delete deletes every flow); here it is refused too.
std::optional<Response> non_json_body_refusal(const Request& request);

// Starlette's CORSMiddleware with allow_origins/methods/headers from Prefect's settings
// (each split on "," and not trimmed, as Prefect splits them), no credentials, max-age 600.
class CorsPolicy {
 public:
  CorsPolicy(const std::string& origins, const std::string& methods, const std::string& headers);
  // The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method): 200
  // "OK" or 400 "Disallowed CORS …" with the Access-Control-* headers; nullopt for any other
  // request.
  std::optional<Response> preflight(const Request& request) const;
  // Adds the headers of a simple response: Access-Control-Allow-Origin for an allowed
  // Origin, and Origin in Vary.
  void decorate(const Request& request, Response& response) const;

 private:
  bool allows_origin(std::string_view origin) const;

  std::vector<std::string> origins_, methods_, headers_lower_;
  bool all_origins_ = false, all_headers_ = false;
  std::string methods_header_, headers_header_;  // values of Allow-Methods / Allow-Headers
};

// CSRF: whether `token` is the unexpired token issued to `client` (a database read).
using CsrfCheck = std::function<core::Result<bool>(const std::string& client, const std::string& token)>;

class SecurityMiddleware final : public Middleware {
 public:
  // `auth`: PREFECT_SERVER_API_AUTH_STRING when set; `csrf`: empty when CSRF protection is off.
  SecurityMiddleware(std::optional<std::string> auth, CorsPolicy cors, CsrfCheck csrf);

  std::optional<Response> before(const Request& request) const override;
  bool may_block(const Request& request) const override;
  void after(const Request& request, Response& response) const override;
  // With an auth string, an upgrade without the "prefect" subprotocol gets 403 (Prefect
  // closes such a socket before accepting it, which uvicorn answers 403).
  std::optional<Response> before_upgrade(const Request& upgrade) const override;

 private:
  std::optional<Response> csrf_refusal(const Request& request) const;

  std::optional<std::string> auth_;
  CorsPolicy cors_;
  CsrfCheck csrf_;
};

}  // namespace praetor::api
