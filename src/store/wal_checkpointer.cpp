#include "store/wal_checkpointer.h"
#include "core/thread_role.h"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

namespace praetor::store {

namespace {
void log_failure(const char* who, int rc) {
  // SQLITE_BUSY: another checkpoint holds the lock; a later commit asks again.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) spdlog::error("WAL checkpoint on {} failed: {}", who, sqlite3_errstr(rc));
}

// The writer's checkpoints wait this long at most for the reads in flight: briefly at
// restart_pages, longer at the writer limit, where letting the WAL grow is the worse cost.
constexpr int kReaderWaitMs = 250;
constexpr int kLimitReaderWaitMs = 2000;

// A RESTART checkpoint by the writer: it copies every frame, then waits (at most
// kReaderWaitMs) for the reads in flight to end, so the writer's next transaction restarts
// the WAL. A PASSIVE one never restarts it while readers come and go back to back (each
// holding the WAL's latest frame, as a paged /events/out backfill does); readers that begin
// once every frame is copied read the database file and do not hold it. A reader longer than
// the wait makes it SQLITE_BUSY and a later commit tries again.
int restart_checkpoint(sqlite3* db, const char* schema, int reader_wait_ms = kReaderWaitMs) {
  sqlite3_busy_timeout(db, reader_wait_ms);
  int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  sqlite3_busy_timeout(db, kSqliteBusyTimeoutMs);
  return rc;
}
}  // namespace

WalCheckpointer::WalCheckpointer(SqliteConnection& writer, const std::string& path, Thresholds thresholds)
    : writer_(writer), conn_(std::make_unique<SqliteConnection>(path, false)), thresholds_(thresholds) {
  // Replaces SQLite's automatic checkpoint (itself a commit hook) on the writer.
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WalCheckpointer::between_transactions() {
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kHandedToWriter) return;
  }
  log_failure("the writer", restart_checkpoint(writer_.handle(), "main"));
  std::lock_guard lock(mu_);
  state_ = State::kIdle;
  pages_at_last_pass_ = 0;  // the next transaction restarts the WAL
}

int WalCheckpointer::passes() const {
  std::lock_guard lock(mu_);
  return passes_;
}

// Runs on the writer thread after each commit, with the WAL's size in pages.
int WalCheckpointer::on_commit(void* arg, sqlite3* db, const char* schema, int wal_pages) {
  auto* self = static_cast<WalCheckpointer*>(arg);
  if (wal_pages >= self->thresholds_.writer_limit_pages) {
    log_failure("the writer", restart_checkpoint(db, schema, kLimitReaderWaitMs));
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(self->mu_);
    self->wal_pages_ = wal_pages;
    if (wal_pages < self->pages_at_last_pass_) self->pages_at_last_pass_ = 0;  // restarted
    if (self->state_ != State::kIdle || wal_pages - self->pages_at_last_pass_ < self->thresholds_.pass_pages) {
      return SQLITE_OK;
    }
    self->state_ = State::kRunning;
    self->pages_at_last_pass_ = wal_pages;
  }
  self->cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  core::name_this_thread("praetor-ckpt");
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || state_ == State::kRunning; });
      if (stopping_) return;
    }
    int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    log_failure("its own connection", rc);
    std::lock_guard lock(mu_);
    ++passes_;
    // The pass copied the frames it saw when it began; the writer has almost always added
    // more since, which only it can copy without racing new ones.
    state_ = rc == SQLITE_OK && wal_pages_ >= thresholds_.restart_pages ? State::kHandedToWriter : State::kIdle;
  }
}

}  // namespace praetor::store
