#include "store/sqlite_connection.h"

#include <mutex>

#include <sqlite3.h>

namespace praetor::store {

namespace {
DatabaseError::Kind kind_of(int code) {
  int primary = code & 0xFF;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return DatabaseError::Kind::kTransient;
  if (primary == SQLITE_CONSTRAINT) return DatabaseError::Kind::kConstraint;
  return DatabaseError::Kind::kOther;
}
}  // namespace

SqliteError::SqliteError(int code, const std::string& what) : DatabaseError(kind_of(code), what), code_(code) {}

void SqliteStatement::check(int rc, int index) {
  if (rc != SQLITE_OK) {
    throw SqliteError(rc, "bind parameter " + std::to_string(index) + ": " +
                              sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

Statement& SqliteStatement::bind_null(int index) {
  check(sqlite3_bind_null(stmt_, index), index);
  return *this;
}
Statement& SqliteStatement::bind_int(int index, int64_t v) {
  check(sqlite3_bind_int64(stmt_, index, v), index);
  return *this;
}
Statement& SqliteStatement::bind_double(int index, double v) {
  check(sqlite3_bind_double(stmt_, index, v), index);
  return *this;
}
Statement& SqliteStatement::bind_text(int index, std::string_view v) {
  check(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), index);
  return *this;
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int ext = sqlite3_extended_errcode(sqlite3_db_handle(stmt_));
  std::string msg = sqlite3_errmsg(sqlite3_db_handle(stmt_));
  sqlite3_reset(stmt_);
  throw SqliteError(ext, msg);
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t SqliteStatement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStatement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string SqliteStatement::column_text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

namespace {
std::string fmt_percent(char ch) {
  static const char* kHex = "0123456789ABCDEF";
  auto byte = static_cast<unsigned char>(ch);
  return std::string{'%', kHex[byte >> 4], kHex[byte & 0xF]};
}

// Process-wide SQLite settings, applied before the first connection initialises the library.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Memory statistics cost a global mutex on every allocation; nothing here reads them.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

// A file: URI naming `path` (SQLite's URI escaping: '%', '?' and '#' percent-encoded).
std::string file_uri(const std::string& path, const std::string& query) {
  std::string out = "file:";
  for (char ch : path) {
    if (ch == '%' || ch == '?' || ch == '#') {
      out += fmt_percent(ch);
    } else {
      out += ch;
    }
  }
  return out + "?" + query;
}
}  // namespace

void SqliteConnection::open_handle(const std::string& path, const std::string& uri_or_path, int flags) {
  configure_sqlite_once();
  int rc = sqlite3_open_v2(uri_or_path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "cannot open database '" + path + "': " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kSqliteBusyTimeoutMs);
}

SqliteConnection::SqliteConnection(const std::string& path, ReadOnly mode) {
  open_handle(path, file_uri(path, mode.immutable ? "mode=ro&immutable=1" : "mode=ro"),
       SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX);
}

SqliteConnection::SqliteConnection(const std::string& path, bool create) {
  open_handle(path, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0));
  exec("PRAGMA journal_mode=WAL");
  // FULL: an acknowledged commit survives power loss, not only a process crash. Group
  // commit in Database keeps the fsync cost per request small; its writer then switches to
  // NORMAL and leaves the fsync to the WalSyncer, which acknowledges only synced groups.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA temp_store=MEMORY");
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();
  // sqlite3_close_v2 defers the close until statements are finalised; ours are by now.
  sqlite3_close_v2(db_);
}

void SqliteConnection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(db_), msg);
  }
}

Statement& SqliteConnection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    handed_out_.push_back(it->second.get());
    return *it->second;
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    throw SqliteError(rc, std::string("prepare failed: ") + sqlite3_errmsg(db_) + " in: " + sql);
  }
  auto [pos, _] = cache_.emplace(sql, std::make_unique<SqliteStatement>(raw));
  handed_out_.push_back(pos->second.get());
  return *pos->second;
}

void SqliteConnection::finish_statements() {
  for (SqliteStatement* statement : handed_out_) statement->reset();
  handed_out_.clear();
}

int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }

}  // namespace praetor::store
