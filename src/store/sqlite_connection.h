// The SQLite implementation of store::Connection: a thin RAII layer over one sqlite3
// connection and its cached prepared statements. Not thread-safe (see connection.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/connection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace praetor::store {

class SqliteError : public DatabaseError {
 public:
  SqliteError(int code, const std::string& what);
  int code() const { return code_; }

 private:
  int code_;
};

class SqliteStatement final : public Statement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() override;

  bool step() override;
  void reset() override;
  bool is_null(int col) const override;
  int64_t column_int(int col) const override;
  double column_double(int col) const override;
  std::string column_text(int col) const override;

 protected:
  Statement& bind_null(int index) override;
  Statement& bind_int(int index, int64_t v) override;
  Statement& bind_double(int index, double v) override;
  Statement& bind_text(int index, std::string_view v) override;

 private:
  void check(int rc, int index);
  sqlite3_stmt* stmt_;
};

// How long a statement waits for a lock another connection holds before SQLITE_BUSY.
inline constexpr int kSqliteBusyTimeoutMs = 10000;

class SqliteConnection final : public Connection {
 public:
  // Opens (creating if asked) the database at `path` and applies Praetor's pragmas.
  SqliteConnection(const std::string& path, bool create);
  // Opens an existing database read-only and applies no pragma, so the file is never
  // written: for looking at a database that may not be Praetor's (store/foreign_schema.h).
  // `immutable` promises SQLite that nothing changes the file meanwhile: it takes no locks
  // and creates no -wal or -shm file (so it must not be used when a WAL file holds data).
  struct ReadOnly {
    bool immutable = false;
  };
  SqliteConnection(const std::string& path, ReadOnly mode);
  ~SqliteConnection() override;

  void exec(const std::string& sql) override;
  Statement& prepare(const std::string& sql) override;
  int64_t changes() const override;
  Dialect dialect() const override { return Dialect::kSqlite; }
  sqlite3* handle() { return db_; }
  // Resets every statement prepared since the last call. A statement stepped to a row and
  // left there keeps its read snapshot open past COMMIT: the next transaction on this
  // (pooled) connection would read stale data, and a WAL checkpoint cannot pass it. The
  // databases call this when a job's function returns, before committing.
  void finish_statements();

 private:
  void open_handle(const std::string& path, const std::string& uri_or_path, int flags);
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cache_;
  std::vector<SqliteStatement*> handed_out_;  // since the last finish_statements()
};

}  // namespace praetor::store
