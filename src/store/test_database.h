// Test helper: a fresh migrated database in a temporary file, removed afterwards.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/uuid.h"
#include "store/database.h"

namespace praetor::store::testing {

class TempDatabase {
 public:
  TempDatabase() {
    dir_ = std::filesystem::temp_directory_path() / ("praetor_test_" + core::new_uuid4());
    std::filesystem::create_directories(dir_);
    auto db = Database::open((dir_ / "test.db").string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }
  ~TempDatabase() {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Database& db() { return *db_; }
  std::string path() const { return (dir_ / "test.db").string(); }
  // Closes the database (as a crash or restart would) and opens it again.
  void reopen() {
    db_.reset();
    auto db = Database::open(path());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace praetor::store::testing
