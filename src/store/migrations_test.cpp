#include "store/migrations.h"
#include "store/sqlite_connection.h"
#include "store/test_database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <regex>

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

// Verifies a schema newer than the binary, behind a contract migration, is refused with
// both versions named.
TEST(Migrations, RefusesNewerSchema) {
  SqliteConnection c(temp_db("newer"), true);
  ASSERT_TRUE(apply_migrations(c, {{1, "0001_a", "CREATE TABLE a(x)"}, {2, "0002_b", "CREATE TABLE b(x)", "", true}}));
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

// The schema a connection's database has, as sorted text lines (the version table aside):
// enough to tell two schemas apart (tables, columns, types, defaults, indexes, constraints,
// functions).
std::vector<std::string> schema_dump(Connection& c) {
  std::vector<std::string> out;
  auto collect = [&](const std::string& sql) {
    auto& st = c.prepare(sql);
    while (st.step()) out.push_back(st.column_text(0));
    st.reset();
  };
  if (c.dialect() == Dialect::kSqlite) {
    collect("SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || COALESCE(sql, '') FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' AND name <> 'praetor_schema_version'");
  } else {
    collect("SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
            "COALESCE(column_default, '') FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name <> 'praetor_schema_version'");
    collect("SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename <> 'praetor_schema_version'");
    collect("SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
            "AND conrelid::regclass::text <> 'praetor_schema_version'");
    collect("SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || "
            "md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema()");
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Up then down then up for every version, on an empty database: each down step restores the
// schema before its migration exactly, and the migration then recreates the same schema.
void expect_round_trips(Connection& c, const std::vector<Migration>& ms) {
  std::vector<Migration> prefix;
  for (const auto& m : ms) {
    auto before = schema_dump(c);
    prefix.push_back(m);
    ASSERT_TRUE(apply_migrations(c, prefix)) << m.name;
    auto after = schema_dump(c);
    EXPECT_NE(after, before) << m.name << " changes nothing";
    auto down = revert_migrations(c, prefix, m.version - 1);
    ASSERT_TRUE(down) << m.name << ": " << down.error().message;
    EXPECT_EQ(*down, m.version - 1);
    EXPECT_EQ(schema_dump(c), before) << "the down step of " << m.name << " does not restore the schema";
    auto up = apply_migrations(c, prefix);
    ASSERT_TRUE(up) << m.name << ": " << up.error().message;
    EXPECT_EQ(schema_dump(c), after) << m.name << " does not recreate the same schema after its down step";
  }
  // And all the way down to empty in one go.
  ASSERT_TRUE(revert_migrations(c, ms, 0));
  EXPECT_TRUE(schema_dump(c).empty());
  EXPECT_EQ(current_schema_version(c), 0);
}

// Verifies every migration, on SQLite, round-trips up → down → up to the same schema.
TEST(Migrations, DownStepsRoundTripOnSqlite) {
  SqliteConnection c(temp_db("roundtrip"), true);
  expect_round_trips(c, embedded_migrations(Dialect::kSqlite));
}

// Verifies the same on PostgreSQL (PRAETOR_TEST_DB=postgres; skipped otherwise).
TEST(Migrations, DownStepsRoundTripOnPostgres) {
  auto cluster = testing::postgres_test_url();
  if (cluster.empty()) GTEST_SKIP() << "PRAETOR_TEST_DB=postgres not set";
  testing::ScratchPostgresDatabase scratch(cluster);
  PostgresConnection c(postgres_conninfo(scratch.url(), 5), 0);
  expect_round_trips(c, embedded_migrations(Dialect::kPostgres));
}

// The shape both dialects must agree on, as sorted lines: "table T", "column T.C <type
// class> [not null]" (INTEGER/BIGINT → integer, REAL/DOUBLE PRECISION → real, TEXT → text)
// and "index T.I (columns)" for indexes created by migrations (not those behind primary keys
// and unique constraints, which each dialect names its own way).
std::vector<std::string> portable_shape(Connection& c) {
  auto type_class = [](std::string type) {
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (type.find("int") != std::string::npos) return std::string("integer");
    if (type.find("real") != std::string::npos || type.find("double") != std::string::npos) return std::string("real");
    if (type.find("text") != std::string::npos || type.find("char") != std::string::npos) return std::string("text");
    return type;
  };
  std::vector<std::string> out;
  auto rows = [&](const std::string& sql, int columns) {
    std::vector<std::vector<std::string>> found;
    auto& st = c.prepare(sql);
    while (st.step()) {
      std::vector<std::string> row;
      for (int i = 0; i < columns; ++i) row.push_back(st.is_null(i) ? "" : st.column_text(i));
      found.push_back(std::move(row));
    }
    return found;
  };
  if (c.dialect() == Dialect::kSqlite) {
    for (const auto& t : rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                              "AND name <> 'praetor_schema_version'", 1)) {
      out.push_back("table " + t[0]);
      for (const auto& col : rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('" + t[0] + "')", 4)) {
        bool not_null = col[2] == "1" || col[3] != "0";
        out.push_back("column " + t[0] + "." + col[0] + " " + type_class(col[1]) + (not_null ? " not null" : ""));
      }
      for (const auto& ix : rows("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '" + t[0] +
                                     "' AND sql IS NOT NULL", 1)) {
        std::string cols;
        for (const auto& ic : rows("SELECT name FROM pragma_index_info('" + ix[0] + "') ORDER BY seqno", 1)) {
          cols += (cols.empty() ? "" : ", ") + ic[0];
        }
        out.push_back("index " + t[0] + "." + ix[0] + " (" + cols + ")");
      }
    }
  } else {
    for (const auto& t : rows("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                              "AND table_name <> 'praetor_schema_version'", 1)) {
      out.push_back("table " + t[0]);
    }
    for (const auto& col : rows("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND table_name <> 'praetor_schema_version'", 4)) {
      out.push_back("column " + col[0] + "." + col[1] + " " + type_class(col[2]) +
                    (col[3] == "NO" ? " not null" : ""));
    }
    for (const auto& ix : rows(
             "SELECT t.relname, i.relname, (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM "
             "unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = x.indrelid "
             "AND a.attnum = k.attnum) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON "
             "t.oid = x.indrelid WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> "
             "'praetor_schema_version' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
             3)) {
      out.push_back("index " + ix[0] + "." + ix[1] + " (" + ix[2] + ")");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Verifies SQLite and PostgreSQL end at the same schema (tables, columns with their type
// class and nullability, indexes with their columns) after every embedded migration
// (PRAETOR_TEST_DB=postgres; skipped otherwise).
TEST(Migrations, BothDialectsEndAtTheSameSchema) {
  auto cluster = testing::postgres_test_url();
  if (cluster.empty()) GTEST_SKIP() << "PRAETOR_TEST_DB=postgres not set";
  SqliteConnection lite(temp_db("same_schema"), true);
  ASSERT_TRUE(apply_migrations(lite, embedded_migrations(Dialect::kSqlite)));
  testing::ScratchPostgresDatabase scratch(cluster);
  PostgresConnection pg(postgres_conninfo(scratch.url(), 5), 0);
  ASSERT_TRUE(apply_migrations(pg, embedded_migrations(Dialect::kPostgres)));
  auto lite_shape = portable_shape(lite);
  auto pg_shape = portable_shape(pg);
  std::vector<std::string> only_lite, only_pg;
  std::set_difference(lite_shape.begin(), lite_shape.end(), pg_shape.begin(), pg_shape.end(),
                      std::back_inserter(only_lite));
  std::set_difference(pg_shape.begin(), pg_shape.end(), lite_shape.begin(), lite_shape.end(),
                      std::back_inserter(only_pg));
  for (const auto& line : only_lite) ADD_FAILURE() << "only on SQLite: " << line;
  for (const auto& line : only_pg) ADD_FAILURE() << "only on PostgreSQL: " << line;
  EXPECT_GT(lite_shape.size(), 50u);  // the dump found the schema at all
}

// Verifies every embedded migration of both dialects has a down step.
TEST(Migrations, EveryMigrationHasADownStep) {
  for (auto dialect : {Dialect::kSqlite, Dialect::kPostgres}) {
    for (const auto& m : embedded_migrations(dialect)) EXPECT_FALSE(m.down_sql.empty()) << m.name;
  }
}

// Reasons `sql` is not expand-only (empty when it is): it drops or renames something,
// changes a column, or adds a NOT NULL column without a default (rows of an older binary
// could not be written). $$-quoted bodies and comments are ignored.
std::vector<std::string> expand_only_violations(const std::string& sql) {
  std::string text = std::regex_replace(sql, std::regex(R"(\$\$[\s\S]*?\$\$)"), "''");
  text = std::regex_replace(text, std::regex("--[^\n]*"), "");
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::toupper(ch); });
  std::vector<std::string> reasons;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    std::string stmt = std::regex_replace(text.substr(start, end - start), std::regex(R"(\s+)"), " ");
    start = end + 1;
    if (std::regex_search(stmt, std::regex(R"(\bDROP\b)"))) reasons.push_back("drops: " + stmt);
    if (std::regex_search(stmt, std::regex(R"(\bRENAME\b)"))) reasons.push_back("renames: " + stmt);
    if (std::regex_search(stmt, std::regex(R"(\bALTER\s+COLUMN\b)"))) reasons.push_back("alters a column: " + stmt);
    if (std::regex_search(stmt, std::regex(R"(\bTRUNCATE\b|\bDELETE\s+FROM\b)"))) {
      reasons.push_back("deletes rows: " + stmt);
    }
    if (std::regex_search(stmt, std::regex(R"(\bCREATE\s+OR\s+REPLACE\b)"))) reasons.push_back("replaces: " + stmt);
    if (std::regex_search(stmt, std::regex(R"(^\s*ALTER\s+TABLE\b.*\bADD\b)"))) {
      bool not_null = std::regex_search(stmt, std::regex(R"(\bNOT\s+NULL\b)"));
      bool with_default = std::regex_search(stmt, std::regex(R"(\bDEFAULT\b)"));
      if (not_null && !with_default) reasons.push_back("adds a NOT NULL column without a default: " + stmt);
    }
  }
  return reasons;
}

// Verifies the lint itself: what it accepts and what it flags.
TEST(Migrations, ExpandOnlyLintRecognisesContractSteps) {
  EXPECT_TRUE(expand_only_violations("CREATE TABLE t(a TEXT NOT NULL); CREATE INDEX i ON t(a);").empty());
  EXPECT_TRUE(expand_only_violations("ALTER TABLE t ADD COLUMN b TEXT;").empty());
  EXPECT_TRUE(expand_only_violations("ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 0;").empty());
  EXPECT_TRUE(
      expand_only_violations("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; -- drop later").empty());
  EXPECT_EQ(expand_only_violations("ALTER TABLE t ADD COLUMN b TEXT NOT NULL;").size(), 1u);
  EXPECT_EQ(expand_only_violations("DROP TABLE t;").size(), 1u);
  EXPECT_EQ(expand_only_violations("ALTER TABLE t RENAME COLUMN a TO b;").size(), 1u);
  EXPECT_EQ(expand_only_violations("alter table t alter column a set not null;").size(), 1u);
  EXPECT_EQ(expand_only_violations("ALTER TABLE t DROP COLUMN a;").size(), 1u);
}

// Verifies every embedded migration not marked "-- praetor: contract" is expand-only, so a
// binary one version behind keeps serving the schema it leaves (rolling upgrades).
TEST(Migrations, ExpandOnlyMigrationsAreAdditive) {
  for (auto dialect : {Dialect::kSqlite, Dialect::kPostgres}) {
    for (const auto& m : embedded_migrations(dialect)) {
      if (m.contract) continue;
      auto reasons = expand_only_violations(m.sql);
      EXPECT_TRUE(reasons.empty()) << m.name << " is not expand-only (mark it \"-- praetor: contract\" if it must be): "
                                   << (reasons.empty() ? "" : reasons.front());
    }
  }
}

// Verifies the floor: the newest contract migration at or below a version.
TEST(Migrations, CompatibleFloorIsTheNewestContractMigration) {
  std::vector<Migration> ms = {{1, "0001_a", "", "", false}, {2, "0002_b", "", "", true},
                               {3, "0003_c", "", "", false}, {4, "0004_d", "", "", false}};
  EXPECT_EQ(compatible_floor(ms, 1), 0);
  EXPECT_EQ(compatible_floor(ms, 2), 2);
  EXPECT_EQ(compatible_floor(ms, 4), 2);
}

// Verifies a binary serves a schema one expand-only version ahead (rolling upgrade: N-1
// on schema N), both when migrating on start and when only checking.
TEST(Migrations, ServesANewerSchemaWhoseMigrationsSinceAreExpandOnly) {
  SqliteConnection c(temp_db("expand_ahead"), true);
  std::vector<Migration> newer = {{1, "0001_a", "CREATE TABLE a(x)", "DROP TABLE a"},
                                  {2, "0002_b", "ALTER TABLE a ADD COLUMN y TEXT", "ALTER TABLE a DROP COLUMN y"}};
  ASSERT_TRUE(apply_migrations(c, newer));
  std::vector<Migration> older(newer.begin(), newer.begin() + 1);
  auto served = apply_migrations(c, older);
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ(*served, 2);
  auto checked = check_schema_current(c, older);
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(read_schema_state(c).compatible_from, 0);
  c.exec("INSERT INTO a(x) VALUES (1)");  // the older binary's writes still work
}

// Verifies a contract migration raises the floor: the older binary refuses, naming the
// schema's version, its own and the floor.
TEST(Migrations, RefusesANewerSchemaBehindAContractMigration) {
  SqliteConnection c(temp_db("contract_ahead"), true);
  std::vector<Migration> newer = {{1, "0001_a", "CREATE TABLE a(x, y)", "DROP TABLE a"},
                                  {2, "0002_b", "-- praetor: contract\nALTER TABLE a DROP COLUMN y", "", true}};
  ASSERT_TRUE(apply_migrations(c, newer));
  EXPECT_EQ(read_schema_state(c).compatible_from, 2);
  std::vector<Migration> older(newer.begin(), newer.begin() + 1);
  for (auto result : {apply_migrations(c, older), check_schema_current(c, older)}) {
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("schema is at version 2 but this praetor binary knows only up to version 1"),
              std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("version 2 or newer"), std::string::npos) << result.error().message;
  }
}

// Verifies a version table written before floors existed gains the column, known rows get
// their floor, and an unknown newer row without one is refused (strict by default).
TEST(Migrations, OlderVersionTableGainsFloors) {
  SqliteConnection c(temp_db("old_table"), true);
  c.exec("CREATE TABLE praetor_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
         "applied_at TEXT NOT NULL DEFAULT 'x'); CREATE TABLE a(x); "
         "INSERT INTO praetor_schema_version(version, name) VALUES (1, '0001_a')");
  std::vector<Migration> ms = {{1, "0001_a", "CREATE TABLE a(x)", "DROP TABLE a"},
                               {2, "0002_b", "CREATE TABLE b(x)", "DROP TABLE b"}};
  ASSERT_TRUE(apply_migrations(c, ms));
  auto& st = c.prepare("SELECT count(*) FROM praetor_schema_version WHERE compatible_from = 0");
  st.step();
  EXPECT_EQ(st.column_int(0), 2);
  st.reset();
  c.exec("INSERT INTO praetor_schema_version(version, name) VALUES (3, '0003_unknown')");
  EXPECT_FALSE(check_schema_current(c, ms));
  EXPECT_FALSE(apply_migrations(c, ms));
}

// Verifies revert refuses a step without a down step and a schema newer than it knows, and
// that stamp records a version without running anything.
TEST(Migrations, RevertAndStamp) {
  SqliteConnection c(temp_db("revert_stamp"), true);
  std::vector<Migration> ms = {{1, "0001_a", "CREATE TABLE a(x)", ""},
                               {2, "0002_b", "CREATE TABLE b(x)", "DROP TABLE b"}};
  ASSERT_TRUE(apply_migrations(c, ms));
  auto to1 = revert_migrations(c, ms, 1);
  ASSERT_TRUE(to1);
  EXPECT_EQ(*to1, 1);
  EXPECT_THROW(c.exec("SELECT * FROM b"), SqliteError);
  EXPECT_FALSE(revert_migrations(c, ms, 0));  // 0001 has no down step
  EXPECT_EQ(current_schema_version(c), 1);
  ASSERT_TRUE(stamp_schema(c, ms, 2));
  EXPECT_EQ(current_schema_version(c), 2);
  EXPECT_THROW(c.exec("SELECT * FROM b"), SqliteError);  // stamping ran nothing
  ASSERT_TRUE(stamp_schema(c, ms, 0));
  EXPECT_EQ(current_schema_version(c), 0);
  EXPECT_FALSE(stamp_schema(c, ms, 7));
  c.exec("INSERT INTO praetor_schema_version(version, name) VALUES (9, 'x')");
  EXPECT_FALSE(revert_migrations(c, ms, 1));
}

}  // namespace
}  // namespace praetor::store
