#include "store/sqlite_connection.h"

#include <sqlite3.h>

namespace praetor::store {

bool SqliteError::is_busy() const {
  int primary = code_ & 0xFF;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool SqliteError::is_constraint() const { return (code_ & 0xFF) == SQLITE_CONSTRAINT; }

void Statement::check(int rc, int index) {
  if (rc != SQLITE_OK) {
    throw SqliteError(rc, "bind parameter " + std::to_string(index) + ": " +
                              sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::nullptr_t) {
  check(sqlite3_bind_null(stmt_, index), index);
  return *this;
}
Statement& Statement::bind(int index, int64_t v) {
  check(sqlite3_bind_int64(stmt_, index, v), index);
  return *this;
}
Statement& Statement::bind(int index, double v) {
  check(sqlite3_bind_double(stmt_, index, v), index);
  return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
  check(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int ext = sqlite3_extended_errcode(sqlite3_db_handle(stmt_));
  std::string msg = sqlite3_errmsg(sqlite3_db_handle(stmt_));
  sqlite3_reset(stmt_);
  throw SqliteError(ext, msg);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::column_text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::optional<std::string> Statement::column_optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_text(col);
}
std::optional<int64_t> Statement::column_optional_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int(col);
}
std::optional<double> Statement::column_optional_double(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_double(col);
}

Connection::Connection(const std::string& path, bool create) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "cannot open database '" + path + "': " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  // FULL: an acknowledged commit survives power loss, not only a process crash. Group
  // commit in Database keeps the fsync cost per request small.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA temp_store=MEMORY");
  exec("PRAGMA cache_size=-65536");
}

Connection::~Connection() {
  cache_.clear();
  // sqlite3_close_v2 defers the close until statements are finalised; ours are by now.
  sqlite3_close_v2(db_);
}

void Connection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(db_), msg);
  }
}

Statement& Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return *it->second;
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    throw SqliteError(rc, std::string("prepare failed: ") + sqlite3_errmsg(db_) + " in: " + sql);
  }
  auto [pos, _] = cache_.emplace(sql, std::make_unique<Statement>(raw));
  return *pos->second;
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }

}  // namespace praetor::store
