// Makes committed SQLite WAL frames durable off the writer thread (DESIGN.md §3).
//
// The writer commits each group with synchronous=NORMAL, which writes the group's frames to
// the WAL without an fsync, and hands the group's completions here; one fdatasync of the
// WAL covers every group handed before it began, and only then do those completions run.
// So an acknowledged write survives power loss as with synchronous=FULL, while the writer
// runs the next group during the fsync instead of waiting for it. Until its sync, a group's
// rows are visible to readers but not yet acknowledged to their writers.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace praetor::store {

class WalSyncer {
 public:
  static constexpr const char* kThreadName = "praetor-walsync";  // at most 15 characters

  struct Completion {
    std::function<void(core::Status)> done;
    core::Status status;
  };
  // `sync` makes everything written to the WAL so far durable; a failure is passed to
  // every completion waiting on that sync whose own status was ok.
  explicit WalSyncer(std::function<core::Status()> sync);
  ~WalSyncer();  // syncs and completes everything handed, then stops

  // Runs each completion, with its status, once a sync that began after this call ends.
  void complete_after_sync(std::vector<Completion> group);

 private:
  void run();

  std::function<core::Status()> sync_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Completion> waiting_;
  bool stopping_ = false;
  std::thread thread_;
};

// fdatasync of the file at `path` (the WAL: "<database>-wal"), through a descriptor opened
// on first use and reopened when the file at that path is replaced.
std::function<core::Status()> fdatasync_file(std::string path);

}  // namespace praetor::store
