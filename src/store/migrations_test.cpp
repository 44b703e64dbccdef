#include "store/migrations.h"
#include "store/sqlite_connection.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace praetor::store {
namespace {

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("praetor_mig_") + name + ".db");
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

// Verifies migrations apply in order once, and a second run is a no-op.
TEST(Migrations, AppliesOnceInOrder) {
  SqliteConnection c(temp_db("once"), true);
  std::vector<Migration> ms = {{1, "0001_a", "CREATE TABLE a(x)"}, {2, "0002_b", "CREATE TABLE b(y)"}};
  auto v = apply_migrations(c, ms);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 2);
  auto again = apply_migrations(c, ms);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 2);
}

// Verifies a failing migration leaves the schema at the last good version, unchanged.
TEST(Migrations, FailureIsAtomic) {
  SqliteConnection c(temp_db("atomic"), true);
  std::vector<Migration> ms = {{1, "0001_a", "CREATE TABLE a(x)"},
                               {2, "0002_bad", "CREATE TABLE b(y); THIS IS NOT SQL"}};
  auto v = apply_migrations(c, ms);
  ASSERT_FALSE(v);
  EXPECT_EQ(current_schema_version(c), 1);
  // Table b was created inside the failed transaction and must be gone.
  EXPECT_THROW(c.exec("SELECT * FROM b"), SqliteError);
}

// Verifies a schema newer than the binary is refused with both versions named.
TEST(Migrations, RefusesNewerSchema) {
  SqliteConnection c(temp_db("newer"), true);
  ASSERT_TRUE(apply_migrations(c, {{1, "0001_a", "CREATE TABLE a(x)"}, {2, "0002_b", "CREATE TABLE b(x)"}}));
  auto v = apply_migrations(c, {{1, "0001_a", "CREATE TABLE a(x)"}});
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("version 2"), std::string::npos);
  EXPECT_NE(v.error().message.find("version 1"), std::string::npos);
}

// Verifies the embedded set is numbered densely from 1.
TEST(Migrations, EmbeddedAreDense) {
  const auto& ms = embedded_sqlite_migrations();
  ASSERT_FALSE(ms.empty());
  for (size_t i = 0; i < ms.size(); ++i) EXPECT_EQ(ms[i].version, static_cast<int>(i + 1)) << ms[i].name;
}

// Verifies every SQLite migration has its PostgreSQL mirror under the same number and name
// (a new migrations/sqlite/NNNN_x.sql needs migrations/postgres/NNNN_x.sql).
TEST(Migrations, PostgresMirrorsSqlite) {
  const auto& lite = embedded_migrations(Dialect::kSqlite);
  const auto& pg = embedded_migrations(Dialect::kPostgres);
  ASSERT_EQ(pg.size(), lite.size());
  for (size_t i = 0; i < lite.size(); ++i) {
    EXPECT_EQ(pg[i].version, lite[i].version);
    EXPECT_EQ(pg[i].name, lite[i].name);
  }
}

}  // namespace
}  // namespace praetor::store
