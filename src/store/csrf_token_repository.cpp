#include "store/csrf_token_repository.h"

namespace praetor::store::csrf_tokens {

namespace {

CsrfToken read_row(const Statement& st) {
  CsrfToken t;
  t.id = st.column_text(0);
  t.created = core::from_micros(st.column_int(1));
  t.updated = core::from_micros(st.column_int(2));
  t.client = st.column_text(3);
  t.token = st.column_text(4);
  t.expiration = core::from_micros(st.column_int(5));
  return t;
}

}  // namespace

CsrfToken upsert(Connection& c, const CsrfToken& token) {
  auto& st = c.prepare(
      "INSERT INTO csrf_token(id, created, updated, client, token, expiration) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (client) DO UPDATE SET token = excluded.token, expiration = excluded.expiration, "
      "updated = excluded.updated "
      "RETURNING id, created, updated, client, token, expiration");
  st.bind(1, token.id)
      .bind(2, core::to_micros(token.created))
      .bind(3, core::to_micros(token.updated))
      .bind(4, token.client)
      .bind(5, token.token)
      .bind(6, core::to_micros(token.expiration));
  st.step();
  CsrfToken out = read_row(st);
  st.run();
  return out;
}

std::optional<CsrfToken> find_valid(Connection& c, const std::string& client, core::Timestamp now) {
  auto& st = c.prepare(
      "SELECT id, created, updated, client, token, expiration FROM csrf_token WHERE client = ?1 AND expiration > ?2");
  st.bind(1, client).bind(2, core::to_micros(now));
  if (!st.step()) return std::nullopt;
  CsrfToken out = read_row(st);
  st.run();
  return out;
}

int64_t delete_expired(Connection& c, core::Timestamp now) {
  auto& st = c.prepare("DELETE FROM csrf_token WHERE expiration < ?1");
  st.bind(1, core::to_micros(now)).run();
  return c.changes();
}

}  // namespace praetor::store::csrf_tokens
