// CSRF tokens (Prefect's api/csrf_token.py and models/csrf_token.py): GET /api/csrf-token
// issues a client's token, valid for PREFECT_SERVER_CSRF_TOKEN_EXPIRATION, stored in the
// database so that every replica accepts it. Thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"
#include "core/timestamp.h"
#include "store/csrf_token_repository.h"
#include "store/database.h"

namespace praetor::api {

class CsrfTokens {
 public:
  CsrfTokens(store::Database& db, const core::Clock& clock, std::chrono::microseconds lifetime)
      : db_(db), clock_(clock), lifetime_(lifetime) {}

  // A fresh random token for `client` (replacing its previous one); expired tokens of every
  // client are deleted in the same write.
  core::Result<store::csrf_tokens::CsrfToken> issue(const std::string& client) const;
  // Whether `token` is the client's current unexpired token (compared in constant time).
  core::Result<bool> accepts(const std::string& client, const std::string& token) const;

 private:
  store::Database& db_;
  const core::Clock& clock_;
  std::chrono::microseconds lifetime_;
};

}  // namespace praetor::api
