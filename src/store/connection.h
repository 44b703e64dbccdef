// The database connection and prepared-statement interfaces every repository uses, one
// implementation per backend (sqlite_connection.h, postgres_connection.h). Not thread-safe:
// a Connection is used by one thread at a time (Database hands them out).
//
// SQL is written once, with SQLite's placeholders (`?N` or anonymous `?`, numbered as SQLite
// numbers them); backends translate them. Where the two dialects genuinely differ, callers
// ask store/dialect.h for the fragment. Failures throw DatabaseError (or a subclass);
// Database turns them into Result errors at its boundary.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>
#include <stdexcept>
#include <string>
#include <string_view>

namespace praetor::store {

enum class Dialect { kSqlite, kPostgres };

// A database failure. `transient` failures (busy, serialization, deadlock, lost connection)
// become 503s that clients retry; `constraint` failures become 409s.
class DatabaseError : public std::runtime_error {
 public:
  enum class Kind { kOther, kTransient, kConstraint };
  DatabaseError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }
  bool is_busy() const { return kind_ == Kind::kTransient; }
  bool is_constraint() const { return kind_ == Kind::kConstraint; }

 private:
  Kind kind_;
};

// A prepared statement, reset on reuse. Parameters are 1-based, columns 0-based.
class Statement {
 public:
  virtual ~Statement() = default;
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::nullptr_t) { return bind_null(index); }
  Statement& bind(int index, int64_t v) { return bind_int(index, v); }
  Statement& bind(int index, int v) { return bind_int(index, v); }
  Statement& bind(int index, double v) { return bind_double(index, v); }
  Statement& bind(int index, bool v) { return bind_int(index, v ? 1 : 0); }
  Statement& bind(int index, std::string_view v) { return bind_text(index, v); }
  Statement& bind(int index, const std::string& v) { return bind_text(index, v); }
  Statement& bind(int index, const char* v) { return bind_text(index, v); }
  template <class T>
  Statement& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind(index, nullptr);
  }
  // A NULL for a parameter that otherwise takes integers (or doubles). PostgreSQL declares
  // it int8 (float8) as for a value, so the statement's NULLs and values share one prepared
  // plan (store/bulk_insert.h binds every NULL of a number column so); SQLite binds NULL.
  Statement& bind_null_integer(int index) { return bind_typed_null(index, false); }
  Statement& bind_null_double(int index) { return bind_typed_null(index, true); }

  // True while a row is available.
  virtual bool step() = 0;
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }
  // Clears bindings and rewinds; called automatically by Connection::prepare.
  virtual void reset() = 0;
  // Every row's first column as text (e.g. the ids an UPDATE … RETURNING id answered), then
  // resets, so a pooled reader's snapshot is not held open.
  std::vector<std::string> first_column_texts() {
    std::vector<std::string> out;
    while (step()) out.push_back(column_text(0));
    reset();
    return out;
  }

  virtual bool is_null(int col) const = 0;
  // Integers; a boolean column reads as 0/1.
  virtual int64_t column_int(int col) const = 0;
  virtual double column_double(int col) const = 0;
  virtual std::string column_text(int col) const = 0;
  std::optional<std::string> column_optional_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return column_text(col);
  }
  std::optional<int64_t> column_optional_int(int col) const {
    if (is_null(col)) return std::nullopt;
    return column_int(col);
  }
  std::optional<double> column_optional_double(int col) const {
    if (is_null(col)) return std::nullopt;
    return column_double(col);
  }

 protected:
  virtual Statement& bind_null(int index) = 0;
  virtual Statement& bind_int(int index, int64_t v) = 0;
  virtual Statement& bind_double(int index, double v) = 0;
  virtual Statement& bind_text(int index, std::string_view v) = 0;
  virtual Statement& bind_typed_null(int index, bool /*is_double*/) { return bind_null(index); }
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters.
  virtual void exec(const std::string& sql) = 0;
  // A cached prepared statement for `sql`, reset and ready to bind. The reference stays
  // valid for the connection's lifetime.
  virtual Statement& prepare(const std::string& sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  virtual int64_t changes() const = 0;
  virtual Dialect dialect() const = 0;
};

}  // namespace praetor::store
