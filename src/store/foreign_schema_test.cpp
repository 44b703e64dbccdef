#include "store/foreign_schema.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/database.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

class ForeignSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("praetor_foreign_" + core::new_uuid4());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  // A database in rollback-journal mode (a WAL pragma would rewrite its header) holding `sql`.
  std::string make_foreign(const char* name, const std::string& sql) {
    std::string p = path(name);
    {
      SqliteConnection c(p, true);
      c.exec("PRAGMA journal_mode=DELETE");
      c.exec(sql);
    }
    return p;
  }

  static std::string bytes(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::filesystem::path dir_;
};

constexpr const char* kPrefectTables =
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
    "INSERT INTO alembic_version VALUES ('27d8f4e1a6c9');"
    "CREATE TABLE flow (id CHAR(36) PRIMARY KEY, name VARCHAR NOT NULL);"
    "CREATE TABLE flow_run (id CHAR(36) PRIMARY KEY, flow_id CHAR(36));"
    "CREATE TABLE work_pool (id CHAR(36) PRIMARY KEY);";

// Verifies Prefect's SQLite database is refused with its revision and the import command
// named, and is left byte for byte as it was, with no file created beside it.
TEST_F(ForeignSchemaTest, PrefectSqliteDatabaseIsRefusedAndUntouched) {
  std::string p = make_foreign("prefect.db", kPrefectTables);
  std::string before = bytes(p);
  auto files_before = files();
  auto db = Database::open(p);
  ASSERT_FALSE(db);
  const std::string& msg = db.error().message;
  EXPECT_NE(msg.find("holds Prefect's schema (alembic revision 27d8f4e1a6c9"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`praetor server database import --from sqlite+aiosqlite:///" + p + "`"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("has written nothing"), std::string::npos) << msg;
  EXPECT_EQ(bytes(p), before);
  EXPECT_EQ(files(), files_before);
}

// Verifies the same holds for a Prefect database in WAL mode, with a WAL file beside it (a
// Prefect server running or stopped uncleanly): the tables in the WAL are seen.
TEST_F(ForeignSchemaTest, PrefectDatabaseInWalModeIsRecognised) {
  std::string p = path("prefect.db");
  SqliteConnection writer(p, true);  // held open: its WAL stays beside the file
  writer.exec("PRAGMA wal_autocheckpoint=0");
  writer.exec(kPrefectTables);
  ASSERT_TRUE(std::filesystem::exists(p + "-wal"));
  std::string before = bytes(p);
  auto st = refuse_foreign_sqlite_file(p);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("Prefect's schema"), std::string::npos) << st.error().message;
  EXPECT_EQ(bytes(p), before);
}

// Verifies any other schema without a Praetor version is refused, naming its tables.
TEST_F(ForeignSchemaTest, OtherForeignTablesAreRefused) {
  std::string p = make_foreign("app.db", "CREATE TABLE customers (id INTEGER); CREATE TABLE flow (id TEXT)");
  std::string before = bytes(p);
  auto db = Database::open(p);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("1 table(s) that are not Praetor's (customers)"), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().message.find("praetor server database import"), std::string::npos);
  EXPECT_EQ(bytes(p), before);
}

// Verifies a Prefect database that an earlier binary already gave an empty version table
// (the half-written state of issue 15) is still refused.
TEST_F(ForeignSchemaTest, EmptyVersionTableDoesNotMakeItPraetors) {
  std::string p = make_foreign(
      "damaged.db", std::string(kPrefectTables) + "CREATE TABLE praetor_schema_version (version INTEGER PRIMARY KEY)");
  auto db = Database::open(p);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("Prefect's schema"), std::string::npos);
}

// Verifies a missing file, an empty file and Praetor's own database open as before.
TEST_F(ForeignSchemaTest, EmptyAndPraetorDatabasesOpen) {
  std::string fresh = path("fresh.db");
  EXPECT_TRUE(sqlite_file_has_no_tables(fresh));
  ASSERT_TRUE(Database::open(fresh));
  EXPECT_FALSE(sqlite_file_has_no_tables(fresh));
  ASSERT_TRUE(Database::open(fresh));  // Praetor's now: reopened as usual
  std::string empty = path("empty.db");
  std::ofstream(empty).close();
  EXPECT_TRUE(sqlite_file_has_no_tables(empty));
  ASSERT_TRUE(Database::open(empty));
}

// Verifies Praetor's table list comes from the migrations and is the same on both dialects.
TEST(ForeignSchema, PraetorTablesComeFromTheMigrations) {
  const auto& tables = praetor_tables(Dialect::kSqlite);
  for (const char* t : {"praetor_schema_version", "flow", "flow_run", "task_run", "variable", "work_pool"}) {
    EXPECT_TRUE(std::binary_search(tables.begin(), tables.end(), t)) << t;
  }
  EXPECT_EQ(tables, praetor_tables(Dialect::kPostgres));
}

// Verifies Prefect's schema on PostgreSQL is refused before anything, not even the version
// table, is created (runs with PRAETOR_TEST_DB=postgres).
TEST(ForeignSchema, PrefectPostgresDatabaseIsRefusedAndUntouched) {
  auto cluster = testing::postgres_test_url();
  if (cluster.empty()) GTEST_SKIP() << "PostgreSQL only (PRAETOR_TEST_DB=postgres)";
  testing::ScratchPostgresDatabase scratch(cluster);
  PostgresConnection c(postgres_conninfo(scratch.url(), 5), 0);
  c.exec(kPrefectTables);
  auto db = open_database(scratch.url());
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("Prefect's schema (alembic revision 27d8f4e1a6c9"), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().kind, core::ErrorKind::kUnavailable);  // refused, not retried
  auto& st = c.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_int(0), 4);  // Prefect's four tables, nothing of Praetor's
  st.reset();
}

}  // namespace
}  // namespace praetor::store
