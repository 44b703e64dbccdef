// The PostgreSQL implementation of store::Connection over libpq. Statements are prepared
// server-side once per connection (and per pattern of bound types); SQLite-style `?N` and
// `?` placeholders are translated to `$N` once, when a statement is first prepared.
// Parameters travel as text: integers typed int8, doubles float8, text and NULL left for
// the server to infer from context. Not thread-safe (see connection.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/connection.h"

struct pg_conn;
struct pg_result;

namespace praetor::store {

// Translates SQLite placeholders to PostgreSQL ones, numbering anonymous `?` as SQLite
// does (one more than the largest number so far). Quoted text is left alone. Returns the
// new SQL and the number of parameters.
struct TranslatedSql {
  std::string sql;
  int params = 0;
  std::vector<bool> referenced;  // [n-1]: whether $n occurs (an unused $n needs a type)
};
TranslatedSql translate_placeholders(std::string_view sql);

class PostgresConnection;

class PostgresStatement final : public Statement {
 public:
  PostgresStatement(PostgresConnection& conn, TranslatedSql sql);
  ~PostgresStatement() override;

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
  Statement& bind_typed_null(int index, bool is_double) override;

 private:
  // kNullInt/kNullDouble: a NULL declared int8/float8 (Statement::bind_null_integer).
  enum class ParamType : char { kNull = 'n', kInt = 'i', kDouble = 'd', kText = 't', kNullInt = 'I', kNullDouble = 'D' };
  void set(int index, ParamType type, std::string value);
  void execute();
  const char* value(int col) const;

  PostgresConnection& conn_;
  std::string sql_;  // translated
  int param_count_;
  std::vector<bool> referenced_;
  std::vector<ParamType> types_;
  std::vector<std::string> values_;
  std::map<std::string, std::string> prepared_;  // declared parameter types → server-side name
  pg_result* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

class PostgresConnection final : public Connection {
 public:
  // Connects with a libpq conninfo string; a failure throws a transient DatabaseError.
  // `statement_timeout_ms` 0 means none.
  PostgresConnection(const std::string& conninfo, int64_t statement_timeout_ms);
  ~PostgresConnection() override;

  void exec(const std::string& sql) override;
  Statement& prepare(const std::string& sql) override;
  int64_t changes() const override { return changes_; }
  Dialect dialect() const override { return Dialect::kPostgres; }

  // False once the server connection is lost; the pool then drops this connection.
  bool healthy() const;
  // Waits up to `timeout_ms` for asynchronous notifications (after LISTEN) and returns
  // their payloads, oldest first; none on timeout. Throws a transient DatabaseError when
  // the connection is lost.
  std::vector<std::string> wait_for_notifications(int timeout_ms);
  // True inside a transaction block that failed and awaits ROLLBACK.
  bool in_failed_transaction() const;

 private:
  friend class PostgresStatement;
  // Throws the DatabaseError a failed result describes (and frees it).
  [[noreturn]] void fail(pg_result* result, const std::string& context);
  std::string next_statement_name() { return "p" + std::to_string(++statement_counter_); }

  pg_conn* conn_ = nullptr;
  int64_t changes_ = 0;
  int64_t statement_counter_ = 0;
  std::map<std::string, std::unique_ptr<PostgresStatement>, std::less<>> cache_;
};

}  // namespace praetor::store
