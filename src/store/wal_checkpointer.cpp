#include "store/wal_checkpointer.h"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

namespace praetor::store {

WalCheckpointer::WalCheckpointer(SqliteConnection& writer, const std::string& path, int start_pages,
                                 int writer_limit_pages)
    : writer_(writer),
      conn_(std::make_unique<SqliteConnection>(path, false)),
      start_pages_(start_pages),
      writer_limit_pages_(writer_limit_pages) {
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
  int rc = sqlite3_wal_checkpoint_v2(writer_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) spdlog::error("WAL checkpoint on the writer failed: {}", sqlite3_errstr(rc));
  std::lock_guard lock(mu_);
  state_ = State::kIdle;
}

int WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

// Runs on the writer thread after each commit, with the WAL's size in pages.
int WalCheckpointer::on_commit(void* arg, sqlite3* db, const char* schema, int wal_pages) {
  auto* self = static_cast<WalCheckpointer*>(arg);
  if (wal_pages >= self->writer_limit_pages_) {
    int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) spdlog::error("WAL checkpoint on the writer failed: {}", sqlite3_errstr(rc));
    return SQLITE_OK;
  }
  if (wal_pages >= self->start_pages_) {
    {
      std::lock_guard lock(self->mu_);
      if (self->state_ != State::kIdle) return SQLITE_OK;
      self->state_ = State::kRunning;
    }
    self->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || state_ == State::kRunning; });
      if (stopping_) return;
    }
    int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // SQLITE_BUSY: the writer's own checkpoint (at its limit) holds the lock; the next
    // commit past the threshold starts another pass.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::error("WAL checkpoint failed: {}", sqlite3_errmsg(conn_->handle()));
    }
    // The pass copied the frames it saw when it began; the writer has almost always added
    // more since, which only it can copy without racing new ones (cheap when there are none).
    std::lock_guard lock(mu_);
    state_ = rc == SQLITE_OK ? State::kHandedToWriter : State::kIdle;
    ++checkpoints_;
  }
}

}  // namespace praetor::store
