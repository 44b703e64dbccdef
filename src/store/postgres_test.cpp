// PostgreSQL-specific behaviour: placeholder translation (always), and against a live
// server when PRAETOR_TEST_POSTGRES_URL names one (scripts/pg.sh start prints one).
#include <gtest/gtest.h>

#include "store/postgres_connection.h"

namespace praetor::store {
namespace {

// Verifies SQLite placeholders become $N, numbered as SQLite numbers them, and quoted
// text and comments are left alone.
TEST(PostgresPlaceholders, TranslatesAsSqliteNumbers) {
  auto t = translate_placeholders("SELECT ?1, ?, ?2, '?', \"a?\", ? -- ?\n");
  EXPECT_EQ(t.sql, "SELECT $1, $2, $2, '?', \"a?\", $3 -- ?\n");
  EXPECT_EQ(t.params, 3);
  auto anon = translate_placeholders("a = ? AND b = ? AND c = 'it''s ?' AND d = ?");
  EXPECT_EQ(anon.sql, "a = $1 AND b = $2 AND c = 'it''s ?' AND d = $3");
  EXPECT_EQ(anon.params, 3);
}

}  // namespace
}  // namespace praetor::store
