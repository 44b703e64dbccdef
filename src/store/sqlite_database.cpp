#include "store/sqlite_database.h"
#include "core/thread_role.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>

#include <spdlog/spdlog.h>

#include "store/foreign_schema.h"
#include "store/migrations.h"
#include "store/store_metrics.h"

namespace praetor::store {

struct SqliteDatabase::WriteJob {
  std::function<core::Status(Connection&)> fn;
  std::function<void(core::Status)> done;
};

namespace {
// Bounds how long one group holds the write lock.
constexpr size_t kMaxGroup = 512;

using Clock = std::chrono::steady_clock;

// The writer's transaction statements, run once or twice per write: prepared once and kept
// (sqlite3_exec would parse each of them every time).
const std::string kBegin = "BEGIN IMMEDIATE";
const std::string kSavepoint = "SAVEPOINT job";
const std::string kRollbackToSavepoint = "ROLLBACK TO job";
const std::string kReleaseSavepoint = "RELEASE job";
const std::string kCommit = "COMMIT";

void run_cached(Connection& c, const std::string& sql) { c.prepare(sql).run(); }

// Per-stage timings of the writer, logged at debug level every kStatsGroups groups: how
// many writes a group carries, and how long running them and committing take (on a file
// database the commit writes the WAL; its fsync is the WalSyncer's, not timed here).
struct WriterStats {
  static constexpr int kStatsGroups = 200;
  int groups = 0;
  size_t jobs = 0;
  size_t max_group = 0;
  Clock::duration run{}, commit{}, complete{}, max_commit{};

  void add(size_t n, Clock::duration r, Clock::duration c, Clock::duration d) {
    ++groups;
    jobs += n;
    max_group = std::max(max_group, n);
    run += r;
    commit += c;
    complete += d;
    max_commit = std::max(max_commit, c);
    if (groups < kStatsGroups) return;
    auto ms = [&](Clock::duration x) { return std::chrono::duration<double, std::milli>(x).count() / groups; };
    spdlog::debug("writer: {} groups, {:.1f} writes/group (max {}), per group: run {:.3f} ms, commit {:.3f} ms, "
                  "completions {:.3f} ms; slowest commit {:.1f} ms",
                  groups, static_cast<double>(jobs) / groups, max_group, ms(run), ms(commit), ms(complete),
                  std::chrono::duration<double, std::milli>(max_commit).count());
    *this = {};
  }
};
}  // namespace

core::Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path, bool migrate,
                                                                  const BeforeMigrating& before, SqliteCacheBudget caches) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path));
  db->caches_ = caches;
  try {
    // Nothing is written, not even a journal mode, to a database that is not Praetor's.
    if (auto st = refuse_foreign_sqlite_file(path); !st) return st.error();
    if (path != ":memory:") {
      auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
    }
    db->writer_conn_ = std::make_unique<SqliteConnection>(path, true);
    db->writer_conn_->exec("PRAGMA cache_size=-" + std::to_string(caches.writer_kib));
    const auto& migrations = embedded_migrations(Dialect::kSqlite);
    // A backup before any migration that changes an existing schema (DESIGN.md §5) is the
    // caller's `before` hook (store/backup.h).
    // A migration's backfill may sort or group millions of rows (0024 groups every task
    // run): its temporary B-trees go to a file, not to memory, which would hold them at
    // several times the memory budget (1.7 GB seen at 10M task runs) until the process ends.
    if (migrate && path != ":memory:") db->writer_conn_->exec("PRAGMA temp_store=FILE");
    auto version = migrate ? apply_migrations(*db->writer_conn_, migrations, path == ":memory:" ? BeforeMigrating{} : before)
                           : check_schema_current(*db->writer_conn_, migrations);
    if (migrate && path != ":memory:") db->writer_conn_->exec("PRAGMA temp_store=MEMORY");
    if (!version) return version.error();
    db->schema_version_ = *version;
    if (path != ":memory:" && db->writer_journal_mode() == "wal") {
      // From here the writer's COMMIT only writes the WAL; the syncer's fdatasync makes it
      // durable before any write is acknowledged. Migrations above committed with FULL.
      db->writer_conn_->exec("PRAGMA synchronous=NORMAL");
      db->syncer_ = std::make_unique<WalSyncer>(fdatasync_file(path + "-wal"));
      db->checkpointer_ = std::make_unique<WalCheckpointer>(*db->writer_conn_, path);
    }
  } catch (const std::exception& e) {
    return core::Error::internal(std::string("cannot open database: ") + e.what());
  }
  db->writer_ = std::thread([raw = db.get()] { raw->writer_loop(); });
  db->queue_depth_hook_ = metrics::default_registry().on_scrape([raw = db.get()] {
    std::lock_guard lock(raw->queue_mu_);
    store_metrics().writer_queue_depth.set(static_cast<double>(raw->queue_.size() + raw->bulk_queue_.size()));
  });
  return db;
}

SqliteDatabase::SqliteDatabase(std::string path) : path_(std::move(path)) {}

std::string SqliteDatabase::writer_journal_mode() {
  auto& st = writer_conn_->prepare("PRAGMA journal_mode");
  std::string mode = st.step() ? st.column_text(0) : "";
  st.reset();
  return mode;
}

SqliteDatabase::~SqliteDatabase() {
  queue_depth_hook_.reset();
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
  auto c = std::make_unique<SqliteConnection>(path_, false);
  c->exec("PRAGMA cache_size=-" + std::to_string(caches_.reader_kib));
  return c;
}

void SqliteDatabase::release_reader(std::unique_ptr<SqliteConnection> c) {
  std::lock_guard lock(readers_mu_);
  // Beyond the pooled number a reader is closed (with its cache) rather than kept.
  if (readers_.size() < static_cast<std::size_t>(SqliteCacheBudget::kPooledReaders)) readers_.push_back(std::move(c));
}

std::size_t SqliteDatabase::pooled_readers() {
  std::lock_guard lock(readers_mu_);
  return readers_.size();
}

core::Status SqliteDatabase::read_impl(const std::function<core::Status(Connection&)>& fn) {
  std::unique_ptr<SqliteConnection> conn;
  try {
    conn = acquire_reader();
    conn->exec("BEGIN");
    core::Status st = fn(*conn);
    conn->finish_statements();
    conn->exec("COMMIT");
    release_reader(std::move(conn));
    return st;
  } catch (const std::exception& e) {
    if (conn) {
      try {
        conn->finish_statements();
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
  std::promise<core::Status> promise;
  auto fut = promise.get_future();
  enqueue(WriteJob{[&fn](Connection& c) { return fn(c); }, [&promise](core::Status st) { promise.set_value(std::move(st)); }});
  return fut.get();
}

core::Status SqliteDatabase::bulk_write_impl(const std::function<core::Status(Connection&)>& fn) {
  std::promise<core::Status> promise;
  auto fut = promise.get_future();
  enqueue(WriteJob{[&fn](Connection& c) { return fn(c); }, [&promise](core::Status st) { promise.set_value(std::move(st)); }},
          /*bulk=*/true);
  return fut.get();
}

void SqliteDatabase::write_async_impl(std::function<core::Status(Connection&)> fn,
                                      std::function<void(core::Status)> done) {
  enqueue(WriteJob{std::move(fn), std::move(done)});
}

void SqliteDatabase::enqueue(WriteJob job, bool bulk) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      (bulk ? bulk_queue_ : queue_).push_back(std::move(job));
      job.done = nullptr;
    }
  }
  if (job.done) return job.done(core::Error::unavailable("database is shutting down"));
  queue_cv_.notify_one();
}

void SqliteDatabase::writer_loop() {
  core::name_this_thread("praetor-writer");
  std::vector<WriteJob> group;
  std::vector<core::Status> results;
  bool last_group_bulk = false;
  WriterStats stats;
  const StoreMetrics& metrics = store_metrics();
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !bulk_queue_.empty(); });
      if (queue_.empty() && bulk_queue_.empty() && stopping_) return;
      // Interactive writes commit in groups of their own, never in one with a bulk write:
      // their answers then wait for no bulk work but the one group that may be running
      // when they arrive. When both wait, the groups alternate (interactive, one bulk
      // write, interactive, …), so neither kind starves the other.
      const bool bulk_turn = !bulk_queue_.empty() && (queue_.empty() || !last_group_bulk);
      if (bulk_turn) {
        group.push_back(std::move(bulk_queue_.front()));
        bulk_queue_.pop_front();
      } else {
        while (!queue_.empty() && group.size() < kMaxGroup) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      last_group_bulk = bulk_turn;
    }
    results.clear();
    Connection& c = *writer_conn_;
    auto t0 = Clock::now(), t1 = t0;
    try {
      run_cached(c, kBegin);
      for (WriteJob& job : group) {
        run_cached(c, kSavepoint);
        core::Status st = core::Ok{};
        try {
          st = job.fn(c);
        } catch (const std::exception& e) {
          st = error_from_exception(e);
          if (st.error().kind == core::ErrorKind::kInternal) spdlog::error("write failed: {}", e.what());
        }
        writer_conn_->finish_statements();
        if (!st.ok()) run_cached(c, kRollbackToSavepoint);
        run_cached(c, kReleaseSavepoint);
        results.push_back(std::move(st));
      }
      t1 = Clock::now();
      run_cached(c, kCommit);
    } catch (const std::exception& e) {
      spdlog::error("group commit of {} writes failed: {}", group.size(), e.what());
      try {
        c.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
      results.assign(group.size(), error_from_exception(e));
    }
    auto t2 = Clock::now();
    if (syncer_) {
      std::vector<WalSyncer::Completion> completions;
      completions.reserve(group.size());
      for (size_t i = 0; i < group.size(); ++i) completions.push_back({std::move(group[i].done), std::move(results[i])});
      syncer_->complete_after_sync(std::move(completions));
    } else {
      for (size_t i = 0; i < group.size(); ++i) {
        try {
          group[i].done(std::move(results[i]));
        } catch (const std::exception& e) {
          spdlog::error("write completion failed: {}", e.what());
        }
      }
    }
    auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
    metrics.group_size.observe(static_cast<double>(group.size()));
    metrics.group_seconds.observe(seconds(t2 - t0));
    metrics.commit_seconds.observe(seconds(t2 - t1));
    if (spdlog::should_log(spdlog::level::debug)) stats.add(group.size(), t1 - t0, t2 - t1, Clock::now() - t2);
    group.clear();
    if (checkpointer_) checkpointer_->between_transactions();
  }
}

}  // namespace praetor::store
