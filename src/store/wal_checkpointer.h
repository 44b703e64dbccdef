// Checkpoints the SQLite WAL on its own connection and thread, so the writer thread never
// copies WAL frames into the database file itself (DESIGN.md §3).
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: under
// sustained writes that is a read and a write of ~4 MB plus two fsyncs every few dozen
// milliseconds, all on the writer thread, in front of every queued write. Here the writer's
// commit hook only reports the WAL's size; past `start_pages` this thread runs a PASSIVE
// checkpoint (which never blocks the writer or readers). The WAL restarts from its
// beginning only once every frame has been copied, and under sustained load the writer
// always adds frames during the pass, so the writer finishes the pass between two of its
// transactions (between_transactions(): only the frames added meanwhile are left to copy).
// Should the WAL still reach `writer_limit_pages` (a long reader, a stalled disk), the
// writer checkpoints in its own commit as SQLite would, so the file stays bounded.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_connection.h"

namespace praetor::store {

class WalCheckpointer {
 public:
  static constexpr int kStartPages = 4000;          // 16 MB of 4 KB pages
  static constexpr int kWriterLimitPages = 16384;   // 64 MB of 4 KB pages

  // Installs the commit hook on `writer` (which must outlive this object) and opens a
  // connection of its own to `path`.
  WalCheckpointer(SqliteConnection& writer, const std::string& path, int start_pages = kStartPages,
                  int writer_limit_pages = kWriterLimitPages);
  ~WalCheckpointer();  // removes the hook, stops the thread

  // Called by the writer with no transaction open: after a pass of this thread, copies the
  // frames committed during it, so the writer's next transaction restarts the WAL.
  void between_transactions();

  // Checkpoints run by this thread so far (for tests and the debug log).
  int checkpoints() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  SqliteConnection& writer_;
  std::unique_ptr<SqliteConnection> conn_;
  const int start_pages_;
  const int writer_limit_pages_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // kIdle -> (commit hook) kRunning -> (pass) kHandedToWriter -> (between_transactions)
  // kIdle; kRunning -> kIdle when the pass failed. While handed over, no new pass starts:
  // it would hold the checkpoint lock the writer needs to finish.
  enum class State { kIdle, kRunning, kHandedToWriter };
  State state_ = State::kIdle;
  bool stopping_ = false;
  int checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace praetor::store
