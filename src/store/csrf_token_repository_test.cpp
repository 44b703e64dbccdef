#include "store/csrf_token_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

csrf_tokens::CsrfToken make_token(const std::string& client, const std::string& token, int64_t created_s,
                                  int64_t expires_s) {
  csrf_tokens::CsrfToken t;
  t.id = core::new_uuid4();
  t.created = t.updated = core::from_micros(created_s * 1000000);
  t.client = client;
  t.token = token;
  t.expiration = core::from_micros(expires_s * 1000000);
  return t;
}

// Verifies a client's second token replaces its first (same row id), an expired token is
// not found, and delete_expired removes only expired rows.
TEST(CsrfTokenRepository, UpsertFindAndExpire) {
  testing::TempDatabase t;
  auto first = make_token("client-a", "token-1", 0, 100);
  auto stored = t.db().write<csrf_tokens::CsrfToken>(
      [&](Connection& c) -> core::Result<csrf_tokens::CsrfToken> { return csrf_tokens::upsert(c, first); });
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, first.id);
  auto second = make_token("client-a", "token-2", 10, 200);
  auto replaced = t.db().write<csrf_tokens::CsrfToken>(
      [&](Connection& c) -> core::Result<csrf_tokens::CsrfToken> { return csrf_tokens::upsert(c, second); });
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->id, first.id);
  EXPECT_EQ(replaced->token, "token-2");
  EXPECT_EQ(core::to_micros(replaced->expiration), 200 * 1000000);
  auto other = make_token("client-b", "token-b", 0, 50);
  ASSERT_TRUE(t.db().write<csrf_tokens::CsrfToken>(
      [&](Connection& c) -> core::Result<csrf_tokens::CsrfToken> { return csrf_tokens::upsert(c, other); }));

  using Found = std::optional<csrf_tokens::CsrfToken>;
  auto find = [&](const std::string& client, int64_t now_s) {
    return t.db().read<Found>([&](Connection& c) -> core::Result<Found> {
      return csrf_tokens::find_valid(c, client, core::from_micros(now_s * 1000000));
    });
  };
  auto a = find("client-a", 150);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->token, "token-2");
  auto b = find("client-b", 150);
  ASSERT_TRUE(b);
  EXPECT_FALSE(*b);  // expired at 50
  auto unknown = find("client-c", 0);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);

  auto deleted = t.db().write<int64_t>([&](Connection& c) -> core::Result<int64_t> {
    return csrf_tokens::delete_expired(c, core::from_micros(150 * 1000000));
  });
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1);
  auto still = find("client-a", 150);
  ASSERT_TRUE(still && *still);
}

}  // namespace
}  // namespace praetor::store
