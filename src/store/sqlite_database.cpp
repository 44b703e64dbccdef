#include "store/sqlite_database.h"

#include <filesystem>
#include <future>

#include <spdlog/spdlog.h>

#include "store/migrations.h"

namespace praetor::store {

struct SqliteDatabase::WriteJob {
  const std::function<core::Status(Connection&)>* fn;
  std::promise<core::Status> done;
};

namespace {
// Bounds how long one group holds the write lock.
constexpr size_t kMaxGroup = 512;
}  // namespace

core::Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path, bool migrate,
                                                                  const BeforeMigrating& before) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path));
  try {
    if (path != ":memory:") {
      auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
    }
    db->writer_conn_ = std::make_unique<SqliteConnection>(path, true);
    const auto& migrations = embedded_migrations(Dialect::kSqlite);
    // A backup before any migration that changes an existing schema (DESIGN.md §5) is the
    // caller's `before` hook (store/backup.h).
    auto version = migrate ? apply_migrations(*db->writer_conn_, migrations, path == ":memory:" ? BeforeMigrating{} : before)
                           : check_schema_current(*db->writer_conn_, migrations);
    if (!version) return version.error();
    db->schema_version_ = *version;
  } catch (const std::exception& e) {
    return core::Error::internal(std::string("cannot open database: ") + e.what());
  }
  db->writer_ = std::thread([raw = db.get()] { raw->writer_loop(); });
  return db;
}

SqliteDatabase::SqliteDatabase(std::string path) : path_(std::move(path)) {}

SqliteDatabase::~SqliteDatabase() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

std::unique_ptr<SqliteConnection> SqliteDatabase::acquire_reader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      auto c = std::move(readers_.back());
      readers_.pop_back();
      return c;
    }
  }
  return std::make_unique<SqliteConnection>(path_, false);
}

void SqliteDatabase::release_reader(std::unique_ptr<SqliteConnection> c) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::move(c));
}

core::Status SqliteDatabase::read_impl(const std::function<core::Status(Connection&)>& fn) {
  std::unique_ptr<SqliteConnection> conn;
  try {
    conn = acquire_reader();
    conn->exec("BEGIN");
    core::Status st = fn(*conn);
    conn->exec("COMMIT");
    release_reader(std::move(conn));
    return st;
  } catch (const std::exception& e) {
    if (conn) {
      try {
        conn->exec("ROLLBACK");
        release_reader(std::move(conn));
      } catch (const std::exception&) {
        // A connection that cannot roll back is dropped rather than reused.
      }
    }
    spdlog::error("read failed: {}", e.what());
    return error_from_exception(e);
  }
}

core::Status SqliteDatabase::write_impl(const std::function<core::Status(Connection&)>& fn) {
  WriteJob job{&fn, {}};
  auto fut = job.done.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return core::Error::unavailable("database is shutting down");
    queue_.push_back(&job);
  }
  queue_cv_.notify_one();
  return fut.get();
}

void SqliteDatabase::writer_loop() {
  std::vector<WriteJob*> group;
  std::vector<core::Status> results;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    results.clear();
    Connection& c = *writer_conn_;
    try {
      c.exec("BEGIN IMMEDIATE");
      for (WriteJob* job : group) {
        c.exec("SAVEPOINT job");
        core::Status st = core::Ok{};
        try {
          st = (*job->fn)(c);
        } catch (const std::exception& e) {
          st = error_from_exception(e);
          if (st.error().kind == core::ErrorKind::kInternal) spdlog::error("write failed: {}", e.what());
        }
        if (!st.ok()) c.exec("ROLLBACK TO job");
        c.exec("RELEASE job");
        results.push_back(std::move(st));
      }
      c.exec("COMMIT");
    } catch (const std::exception& e) {
      spdlog::error("group commit of {} writes failed: {}", group.size(), e.what());
      try {
        c.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
      results.assign(group.size(), error_from_exception(e));
    }
    for (size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move(results[i]));
    group.clear();
  }
}

}  // namespace praetor::store
