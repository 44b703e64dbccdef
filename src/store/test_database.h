// Test helper: a fresh migrated database, removed afterwards. SQLite in a temporary file by
// default; with PRAETOR_TEST_DB=postgres, a fresh database on the cluster
// PRAETOR_TEST_POSTGRES_URL names (scripts/pg.sh start prints one), dropped afterwards, so
// the same repository tests run on both backends.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/settings.h"
#include "core/uuid.h"
#include "store/database.h"
#include "store/postgres_connection.h"
#include "store/postgres_database.h"

namespace praetor::store::testing {

// The cluster URL when the tests run on PostgreSQL, else empty.
inline std::string postgres_test_url() {
  const char* db = std::getenv("PRAETOR_TEST_DB");
  if (!db || std::string(db) != "postgres") return {};
  const char* url = std::getenv("PRAETOR_TEST_POSTGRES_URL");
  if (!url || !*url) throw std::runtime_error("PRAETOR_TEST_DB=postgres needs PRAETOR_TEST_POSTGRES_URL (scripts/pg.sh start)");
  return url;
}

// A database created on the test cluster for one test, dropped by the destructor.
class ScratchPostgresDatabase {
 public:
  explicit ScratchPostgresDatabase(const std::string& cluster_url) {
    auto cluster = config::parse_database_url(cluster_url);
    if (!cluster) throw std::runtime_error(cluster.error().message);
    cluster_ = *cluster;
    name_ = "unit_" + core::new_uuid4().substr(0, 8);
    admin().exec("CREATE DATABASE \"" + name_ + "\"");
    url_ = cluster_;
    url_.name = name_;
  }
  ~ScratchPostgresDatabase() {
    try {
      admin().exec("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    } catch (const std::exception&) {
    }
  }
  const config::DatabaseUrl& url() const { return url_; }

 private:
  PostgresConnection admin() const { return PostgresConnection(postgres_conninfo(cluster_, 5), 0); }
  config::DatabaseUrl cluster_, url_;
  std::string name_;
};

class TempDatabase {
 public:
  TempDatabase() {
    if (auto pg = postgres_test_url(); !pg.empty()) scratch_ = std::make_unique<ScratchPostgresDatabase>(pg);
    dir_ = std::filesystem::temp_directory_path() / ("praetor_test_" + core::new_uuid4());
    std::filesystem::create_directories(dir_);
    open();
  }
  ~TempDatabase() {
    db_.reset();
    scratch_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Database& db() { return *db_; }
  std::string path() const { return (dir_ / "test.db").string(); }
  // Closes the database (as a crash or restart would) and opens it again.
  void reopen() {
    db_.reset();
    open();
  }

 private:
  void open() {
    core::Result<std::unique_ptr<Database>> db =
        scratch_ ? open_database(scratch_->url()) : Database::open(path());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }
  std::unique_ptr<ScratchPostgresDatabase> scratch_;
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace praetor::store::testing
