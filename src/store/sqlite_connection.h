// A thin RAII layer over one sqlite3 connection and its prepared statements. Not
// thread-safe: a Connection is used by one thread at a time (Database hands them out).
// Failures throw SqliteError; Database turns them into Result errors at its boundary.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace praetor::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool is_busy() const;
  bool is_constraint() const;

 private:
  int code_;
};

// A prepared statement, reset on reuse. Parameters are 1-based, as in SQLite.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::nullptr_t);
  Statement& bind(int index, int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, bool v) { return bind(index, static_cast<int64_t>(v ? 1 : 0)); }
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  template <class T>
  Statement& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind(index, nullptr);
  }

  // True while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Clears bindings and rewinds; called automatically by Connection::prepare.
  void reset();

  bool is_null(int col) const;
  int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::optional<std::string> column_optional_text(int col) const;
  std::optional<int64_t> column_optional_int(int col) const;
  std::optional<double> column_optional_double(int col) const;

 private:
  void check(int rc, int index);
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if asked) the database at `path` and applies Praetor's pragmas.
  Connection(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql);
  // A cached prepared statement for `sql`, reset and ready to bind.
  Statement& prepare(const std::string& sql);
  int64_t changes() const;
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

}  // namespace praetor::store
