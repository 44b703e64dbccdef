// The SQLite database: WAL mode, a pool of reader connections, and one writer thread that
// commits queued write transactions in groups so one fsync serves many requests
// (DESIGN.md §3). Each write runs in a savepoint of its group's transaction. Writes are
// queued jobs: write() waits for its job, write_async() hands a completion that runs once
// the group's COMMIT is durable, so a caller need not hold a thread while it waits. On a
// file database the fsync is the WalSyncer's and the checkpoint the WalCheckpointer's, both
// off the writer thread (store/wal_syncer.h, store/wal_checkpointer.h).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"
#include "store/wal_checkpointer.h"
#include "store/wal_syncer.h"

namespace praetor::store {

// How much memory SQLite's page caches may hold, derived from the server's memory budget
// (PRAETOR_SERVER_MEMORY_BUDGET_MB): half of it, an eighth of the budget for the writer's
// connection and the rest shared by at most kPooledReaders pooled readers. A reader opened
// beyond that (more reads at once than pooled connections) is closed after its read, so the
// caches never hold more than their half.
struct SqliteCacheBudget {
  static constexpr int64_t kPooledReaders = 24;
  int64_t writer_kib = 64 * 1024;
  int64_t reader_kib = 6 * 1024;
  static SqliteCacheBudget of(int64_t memory_budget_mb) {
    const int64_t budget_kib = memory_budget_mb * 1024;
    return {budget_kib / 8, (budget_kib / 2 - budget_kib / 8) / kPooledReaders};
  }
};

class SqliteDatabase final : public Database {
 public:
  // Opens or creates the file (and its folder) and migrates it (or, with migrate false,
  // refuses a schema that is behind).
  static core::Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path, bool migrate = true,
                                                            const BeforeMigrating& before = {},
                                                            SqliteCacheBudget caches = {});
  // How many reader connections are pooled now.
  std::size_t pooled_readers();
  ~SqliteDatabase() override;  // drains queued writes, then stops the writer

  Dialect dialect() const override { return Dialect::kSqlite; }
  int schema_version() const override { return schema_version_; }
  std::string describe() const override { return path_; }

 protected:
  core::Status read_impl(const std::function<core::Status(Connection&)>& fn) override;
  core::Status write_impl(const std::function<core::Status(Connection&)>& fn) override;
  // Queued apart; each group takes at most one (after its interactive writes).
  core::Status bulk_write_impl(const std::function<core::Status(Connection&)>& fn) override;
  void write_async_impl(std::function<core::Status(Connection&)> fn, std::function<void(core::Status)> done) override;

 private:
  struct WriteJob;
  explicit SqliteDatabase(std::string path);
  void enqueue(WriteJob job, bool bulk = false);
  void writer_loop();
  std::string writer_journal_mode();
  std::unique_ptr<SqliteConnection> acquire_reader();
  void release_reader(std::unique_ptr<SqliteConnection> c);

  std::string path_;
  int schema_version_ = 0;
  SqliteCacheBudget caches_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteJob> queue_;       // interactive writes, in arrival order
  std::deque<WriteJob> bulk_queue_;  // bulk writes (Database::write_bulk), in arrival order
  bool stopping_ = false;
  std::unique_ptr<SqliteConnection> writer_conn_;
  std::unique_ptr<WalSyncer> syncer_;  // null for ":memory:" (no WAL): completions run at COMMIT
  std::unique_ptr<WalCheckpointer> checkpointer_;  // null for ":memory:"; before writer_conn_ goes
  std::thread writer_;
  metrics::ScrapeHook queue_depth_hook_;  // reads queue_: removed first in the destructor
};

}  // namespace praetor::store
