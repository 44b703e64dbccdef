#include "store/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/uuid.h"

namespace praetor::store {
namespace {

namespace fs = std::filesystem;

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_ = fs::temp_directory_path() / ("praetor_ckpt_" + core::new_uuid4());
  std::string path() {
    fs::create_directories(dir_);
    return (dir_ / "t.db").string();
  }
};

// Verifies sustained commits (no pause between them) are checkpointed by the checkpointer's
// own thread, and the WAL is restarted from its beginning rather than growing with every
// write.
TEST_F(WalCheckpointerTest, CheckpointsOffTheWriterAndKeepsTheWalBounded) {
  auto db = path();
  SqliteConnection writer(db, true);
  writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  WalCheckpointer checkpointer(writer, db, {.pass_pages = 20, .restart_pages = 100, .writer_limit_pages = 1'000'000});
  std::string payload(3000, 'x');  // about one page per row
  for (int i = 0; i < 3000; ++i) {
    writer.exec("BEGIN IMMEDIATE");
    writer.prepare("INSERT INTO t(v) VALUES (?1)").bind(1, payload).run();
    writer.exec("COMMIT");
    checkpointer.between_transactions();
  }
  EXPECT_GT(checkpointer.passes(), 0);
  // 3000 one-page commits with no checkpoint leave a WAL of ~12 MB; restarted, it stays
  // within a few hundred pages.
  EXPECT_LT(fs::file_size(db + "-wal"), 3u * 1024 * 1024);
}

// Verifies that with no room for the checkpointer (a limit below its threshold) the writer
// checkpoints in its own commits, so the WAL still stays bounded.
TEST_F(WalCheckpointerTest, WriterCheckpointsAtItsLimit) {
  auto db = path();
  SqliteConnection writer(db, true);
  writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  WalCheckpointer checkpointer(writer, db, {.pass_pages = 1'000'000, .restart_pages = 1'000'000, .writer_limit_pages = 50});
  std::string payload(3000, 'x');
  for (int i = 0; i < 2000; ++i) {
    writer.exec("BEGIN IMMEDIATE");
    writer.prepare("INSERT INTO t(v) VALUES (?1)").bind(1, payload).run();
    writer.exec("COMMIT");
  }
  EXPECT_EQ(checkpointer.passes(), 0);
  EXPECT_LT(fs::file_size(db + "-wal"), 2u * 1024 * 1024);
}

}  // namespace
}  // namespace praetor::store
