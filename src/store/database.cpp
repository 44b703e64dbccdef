#include "store/database.h"

#include "store/backup.h"
#include "store/postgres_database.h"
#include "store/sqlite_database.h"

namespace praetor::store {

core::Error error_from_exception(const std::exception& e) {
  if (auto* de = dynamic_cast<const DatabaseError*>(&e)) {
    if (de->is_busy()) return core::Error::unavailable(de->what());
    if (de->is_constraint()) {
      return core::Error::conflict(
          "Data integrity conflict. This usually means a unique or foreign key constraint was violated. "
          "See server logs for details.");
    }
  }
  return core::Error::internal(e.what());
}

core::Result<std::unique_ptr<Database>> Database::open(const std::string& sqlite_path) {
  config::DatabaseUrl url;
  url.sqlite_path = sqlite_path;
  auto db = SqliteDatabase::open(sqlite_path, true, backup_before_migrating(url, {}));
  if (!db) return db.error();
  return std::unique_ptr<Database>(std::move(*db));
}

core::Result<std::unique_ptr<Database>> open_database(const config::DatabaseUrl& url,
                                                      const config::DatabaseTuning& tuning) {
  if (url.dialect == config::DatabaseUrl::Dialect::kPostgres) {
    auto db = PostgresDatabase::open(url, tuning);
    if (!db) return db.error();
    return std::unique_ptr<Database>(std::move(*db));
  }
  auto db = SqliteDatabase::open(url.sqlite_path, tuning.migrate_on_start, backup_before_migrating(url, tuning),
                                 SqliteCacheBudget::of(tuning.memory_budget_mb));
  if (!db) return db.error();
  return std::unique_ptr<Database>(std::move(*db));
}

}  // namespace praetor::store
