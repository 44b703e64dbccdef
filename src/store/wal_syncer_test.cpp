#include "store/wal_syncer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <vector>

#include "core/uuid.h"

namespace praetor::store {
namespace {

using namespace std::chrono_literals;

// Verifies a completion runs only after a sync that began after it was handed over, with
// the status the writer gave it.
TEST(WalSyncer, CompletesAfterTheSyncThatCoversIt) {
  std::atomic<int> syncs{0};
  std::promise<void> release_first_sync;
  auto first_sync_released = release_first_sync.get_future().share();
  std::promise<int> seen_syncs;
  {
    WalSyncer syncer([&]() -> core::Status {
      if (syncs.fetch_add(1) == 0) first_sync_released.wait();
      return core::Ok{};
    });
    std::vector<WalSyncer::Completion> group;
    group.push_back({[&](core::Status st) {
                       EXPECT_TRUE(st.ok());
                       seen_syncs.set_value(syncs.load());
                     },
                     core::Ok{}});
    syncer.complete_after_sync(std::move(group));
    auto seen = seen_syncs.get_future();
    EXPECT_EQ(seen.wait_for(50ms), std::future_status::timeout) << "completed before its sync ended";
    release_first_sync.set_value();
    ASSERT_EQ(seen.wait_for(5s), std::future_status::ready);
    EXPECT_GE(seen.get(), 1);
  }
}

// Verifies a failed sync fails the writes it should have made durable (an internal error,
// never a silent success), while a write that had already failed keeps its own error.
TEST(WalSyncer, FailedSyncFailsTheWritesItCovered) {
  std::promise<core::Status> ok_write, failed_write;
  {
    WalSyncer syncer([]() -> core::Status { return core::Error::internal("disk gone"); });
    std::vector<WalSyncer::Completion> group;
    group.push_back({[&](core::Status st) { ok_write.set_value(std::move(st)); }, core::Ok{}});
    group.push_back({[&](core::Status st) { failed_write.set_value(std::move(st)); },
                     core::Error::conflict("already exists")});
    syncer.complete_after_sync(std::move(group));
  }
  auto a = ok_write.get_future().get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, core::ErrorKind::kInternal);
  auto b = failed_write.get_future().get();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, core::ErrorKind::kConflict);
}

// Verifies the destructor completes everything handed before it (none is dropped).
TEST(WalSyncer, StoppingCompletesEverythingHanded) {
  std::atomic<int> completed{0};
  {
    WalSyncer syncer([]() -> core::Status { return core::Ok{}; });
    for (int g = 0; g < 20; ++g) {
      std::vector<WalSyncer::Completion> group;
      for (int i = 0; i < 10; ++i) group.push_back({[&](core::Status) { ++completed; }, core::Ok{}});
      syncer.complete_after_sync(std::move(group));
    }
  }
  EXPECT_EQ(completed.load(), 200);
}

// Verifies fdatasync_file syncs an existing file and reports a missing one by its path.
TEST(WalSyncer, FdatasyncFileNamesAMissingFile) {
  auto path = std::filesystem::temp_directory_path() / ("praetor_wal_" + core::new_uuid4());
  std::ofstream(path) << "frames";
  auto sync = fdatasync_file(path.string());
  EXPECT_TRUE(sync().ok());
  std::filesystem::remove(path);
  auto missing = sync();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos);
}

}  // namespace
}  // namespace praetor::store
