#include <gtest/gtest.h>

#include <barrier>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/uuid.h"
#include "store/sqlite_database.h"

namespace praetor::store {
namespace {

int64_t cache_kib(Connection& c) {
  auto& st = c.prepare("PRAGMA cache_size");
  const int64_t v = st.step() ? st.column_int(0) : 0;
  st.reset();
  return -v;  // negative: KiB, as the budget sets it
}

// Verifies the memory budget sets the writer's and the readers' page caches, and that
// however many reads run at once, no more than kPooledReaders readers (and their caches)
// are kept afterwards.
TEST(SqliteCacheBudget, SetsTheCachesAndBoundsThePooledReaders) {
  const auto dir = std::filesystem::temp_directory_path() / ("praetor-cache-budget-" + core::new_uuid4());
  std::filesystem::create_directories(dir);
  {
    const auto budget = SqliteCacheBudget::of(64);
    EXPECT_EQ(budget.writer_kib, 8 * 1024);
    EXPECT_EQ(budget.reader_kib * SqliteCacheBudget::kPooledReaders + budget.writer_kib, 32 * 1024);
    auto db = SqliteDatabase::open((dir / "p.db").string(), true, {}, budget);
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto writer = (*db)->write<int64_t>([](Connection& c) -> core::Result<int64_t> { return cache_kib(c); });
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ(*writer, budget.writer_kib);

    constexpr int kReadsAtOnce = 40;
    std::barrier all_reading(kReadsAtOnce);
    std::vector<int64_t> seen(kReadsAtOnce);
    std::vector<std::thread> threads;
    for (int i = 0; i < kReadsAtOnce; ++i) {
      threads.emplace_back([&, i] {
        auto r = (*db)->read<int64_t>([&](Connection& c) -> core::Result<int64_t> {
          all_reading.arrive_and_wait();  // every read holds its connection at once
          return cache_kib(c);
        });
        seen[i] = r.ok() ? *r : -1;
      });
    }
    for (auto& t : threads) t.join();
    for (int64_t kib : seen) EXPECT_EQ(kib, budget.reader_kib);
    EXPECT_EQ((*db)->pooled_readers(), static_cast<std::size_t>(SqliteCacheBudget::kPooledReaders));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace praetor::store
