#include "api/csrf.h"

#include <sys/random.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <stdexcept>

#include "api/routes.h"
#include "api/security.h"
#include "core/json_util.h"
#include "core/uuid.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

// 32 bytes from the kernel's CSPRNG as 64 hex digits (Python's secrets.token_hex(32)).
std::string random_token_hex() {
  unsigned char bytes[32];
  size_t filled = 0;
  while (filled < sizeof bytes) {
    ssize_t n = getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

json::object token_json(const store::csrf_tokens::CsrfToken& t) {
  return json::object{{"id", t.id},
                      {"created", core::format_timestamp(t.created)},
                      {"updated", core::format_timestamp(t.updated)},
                      {"token", t.token},
                      {"client", t.client},
                      {"expiration", core::format_timestamp(t.expiration)}};
}

}  // namespace

core::Result<store::csrf_tokens::CsrfToken> CsrfTokens::issue(const std::string& client) const {
  store::csrf_tokens::CsrfToken t;
  t.id = core::new_uuid4();
  t.created = t.updated = clock_.now();
  t.client = client;
  t.token = random_token_hex();
  t.expiration = t.created + lifetime_;
  return db_.write<store::csrf_tokens::CsrfToken>(
      [&](store::Connection& c) -> core::Result<store::csrf_tokens::CsrfToken> {
        auto stored = store::csrf_tokens::upsert(c, t);
        store::csrf_tokens::delete_expired(c, t.created);
        return stored;
      });
}

core::Result<bool> CsrfTokens::accepts(const std::string& client, const std::string& token) const {
  auto now = clock_.now();
  return db_.read<bool>([&](store::Connection& c) -> core::Result<bool> {
    auto stored = store::csrf_tokens::find_valid(c, client, now);
    return stored.has_value() && constant_time_equal(stored->token, token);
  });
}

void register_security(Router& router, ApiContext& ctx) {
  const config::Settings& s = ctx.settings;
  std::shared_ptr<CsrfTokens> tokens;
  CsrfCheck check;
  if (s.csrf_protection_enabled) {
    auto lifetime = std::chrono::microseconds(static_cast<int64_t>(s.csrf_token_expiration_seconds * 1e6));
    tokens = std::make_shared<CsrfTokens>(ctx.db, ctx.clock, lifetime);
    check = [tokens](const std::string& client, const std::string& token) { return tokens->accepts(client, token); };
  }
  router.set_middleware(std::make_shared<SecurityMiddleware>(
      s.auth_string, CorsPolicy(s.cors_allowed_origins, s.cors_allowed_methods, s.cors_allowed_headers),
      std::move(check)));

  router.add("GET", "/api/csrf-token", [tokens](const Request& req, const PathParams&) -> core::Result<Response> {
    auto client = req.query_param("client");
    if (!client) return core::validation_error({"query", "client"}, "missing", "Field required", nullptr);
    // The client reads this exact 422 text as "CSRF off" and carries on without tokens.
    if (!tokens) return json_response(422, json::object{{"detail", "CSRF protection is disabled."}});
    auto issued = tokens->issue(*client);
    if (!issued) return issued.error();
    return json_response(200, token_json(*issued));
  });
}

}  // namespace praetor::api
