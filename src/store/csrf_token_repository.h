// CSRF tokens (Prefect's csrf_token table): one per client id. Functions take the Connection
// of a Database::read/write call and throw DatabaseError on database failure.
#pragma once

#include <optional>
#include <string>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::csrf_tokens {

struct CsrfToken {
  std::string id;
  core::Timestamp created;
  core::Timestamp updated;
  std::string client;
  std::string token;
  core::Timestamp expiration;
};

// Stores `token` for its client, replacing the client's previous token (its id and creation
// time are kept); returns the stored row.
CsrfToken upsert(Connection& c, const CsrfToken& token);

// The client's token if it expires after `now`.
std::optional<CsrfToken> find_valid(Connection& c, const std::string& client, core::Timestamp now);

// Deletes tokens that expired before `now`; returns how many.
int64_t delete_expired(Connection& c, core::Timestamp now);

}  // namespace praetor::store::csrf_tokens
