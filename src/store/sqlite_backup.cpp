#include "store/sqlite_backup.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace praetor::store {

std::string sqlite_backup_path(const std::string& db_path, int version) {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  // Two backups within one second (a downgrade right after a start) get "-2", "-3", ….
  std::string base = db_path + ".v" + std::to_string(version) + "-" + stamp;
  std::string path = base + ".backup";
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(path, ec); ++n) path = base + "-" + std::to_string(n) + ".backup";
  return path;
}

core::Result<std::string> backup_sqlite(SqliteConnection& source, const std::string& target) {
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) return core::Error::conflict("backup file " + target + " already exists");
  sqlite3* dest = nullptr;
  if (sqlite3_open_v2(target.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    return core::Error::internal("cannot create backup " + target + ": " + msg);
  }
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", source.handle(), "main");
  if (!b) {
    std::string msg = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    std::filesystem::remove(target, ec);
    return core::Error::internal("cannot back up to " + target + ": " + msg);
  }
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    std::string msg = sqlite3_errstr(rc);
    sqlite3_close(dest);
    std::filesystem::remove(target, ec);
    return core::Error::internal("backup to " + target + " failed: " + msg);
  }
  sqlite3_close(dest);
  return target;
}

}  // namespace praetor::store
