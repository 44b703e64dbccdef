// Checkpoints the SQLite WAL on its own connection and thread, so the writer thread rarely
// copies WAL frames into the database file itself (DESIGN.md §3).
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: under
// sustained writes that is a read and a write of ~4 MB plus two fsyncs every few dozen
// milliseconds, all on the writer thread, in front of every queued write. Here the writer's
// commit hook only reports the WAL's size:
// - past `pass_pages` of new frames this thread runs a PASSIVE checkpoint (it never blocks
//   the writer or readers), so the database file keeps up in small steps;
// - the WAL restarts from its beginning only once every frame has been copied, and under
//   sustained load the writer adds frames during every pass; so once the WAL holds
//   `restart_pages`, the writer copies the few frames the last pass missed between two of
//   its transactions (between_transactions()) and waits briefly for the reads in flight
//   (a RESTART checkpoint), and its next transaction restarts the WAL. That costs the writer
//   two small fsyncs, once per `restart_pages` of WAL;
// - should the WAL still reach `writer_limit_pages` (a long reader, a stalled disk), the
//   writer checkpoints in its own commit the same way, so the file stays bounded.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_connection.h"

namespace praetor::store {

struct WalCheckpointThresholds {  // in WAL pages (4 KB)
  int pass_pages = 1000;           // SQLite's own automatic-checkpoint threshold
  int restart_pages = 16384;       // 64 MB: W1 at 64 clients restarts about once a second
  // 96 MB: the writer's checkpoint comes at the first commit past it, so the -wal file,
  // which keeps its largest size, stays under 128 MB with that commit's frames.
  int writer_limit_pages = 24576;
};

class WalCheckpointer {
 public:
  using Thresholds = WalCheckpointThresholds;

  // Installs the commit hook on `writer` (which must outlive this object) and opens a
  // connection of its own to `path`.
  WalCheckpointer(SqliteConnection& writer, const std::string& path, Thresholds thresholds = {});
  ~WalCheckpointer();  // removes the hook, stops the thread

  // Called by the writer with no transaction open: once the WAL is past restart_pages
  // and a pass has ended, copies the frames committed during it, so the writer's next
  // transaction restarts the WAL.
  void between_transactions();

  // Passes run by this thread so far (for tests).
  int passes() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  SqliteConnection& writer_;
  std::unique_ptr<SqliteConnection> conn_;
  const Thresholds thresholds_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // kIdle -> (commit hook) kRunning -> (pass) kIdle, or kHandedToWriter when the WAL is
  // past restart_pages -> (between_transactions) kIdle. While handed over no pass starts:
  // it would hold the checkpoint lock the writer needs.
  enum class State { kIdle, kRunning, kHandedToWriter };
  State state_ = State::kIdle;
  int pages_at_last_pass_ = 0;  // WAL size when the last pass was asked for
  int wal_pages_ = 0;           // WAL size after the latest commit
  bool stopping_ = false;
  int passes_ = 0;
  std::thread thread_;
};

}  // namespace praetor::store
