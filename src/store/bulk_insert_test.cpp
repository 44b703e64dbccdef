#include "store/bulk_insert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store/test_database.h"

namespace praetor::store {
namespace {

// 300 rows go out as statements of 256, 32, 8 and 4 rows; NULLs and values of an integer
// column mix freely (one prepared plan per statement size on PostgreSQL); ON CONFLICT DO
// NOTHING leaves out a taken id and RETURNING answers the ids inserted.
TEST(BulkInsert, ManyRowsWithNullsConflictsAndReturning) {
  testing::TempDatabase t;
  auto run = [&](int first, int count) {
    return t.db().write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
      BulkInsert rows("task_run", {"id", "created", "updated", "name", "flow_run_id", "task_key", "dynamic_key",
                                   "cache_expiration", "total_run_time"},
                      " ON CONFLICT DO NOTHING RETURNING id");
      for (int i = first; i < first + count; ++i) {
        std::optional<std::string> run_id;
        if (i % 3 == 0) run_id = "run-" + std::to_string(i % 7);
        std::optional<int64_t> expiration;
        if (i % 2 == 0) expiration = int64_t{i % 50};
        rows.add({"tr-" + std::to_string(i), int64_t{i}, int64_t{i}, std::string("bulk"), run_id, std::string("k"),
                  std::to_string(i), expiration, i % 5 == 0 ? 0.5 : 0.0});
      }
      EXPECT_EQ(rows.size(), static_cast<size_t>(count));
      return rows.run(c);
    });
  };
  auto first = run(0, 300);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 300u);
  auto second = run(290, 20);  // 10 taken, 10 new
  ASSERT_TRUE(second);
  std::set<std::string> inserted(second->begin(), second->end());
  EXPECT_EQ(inserted.size(), 10u);
  EXPECT_TRUE(inserted.count("tr-300") && inserted.count("tr-309") && !inserted.count("tr-299"));

  auto stored = t.db().read<std::vector<int64_t>>([&](Connection& c) -> core::Result<std::vector<int64_t>> {
    auto& st = c.prepare("SELECT COUNT(*), COUNT(flow_run_id), SUM(cache_expiration), COUNT(cache_expiration) FROM task_run "
                         "WHERE name = 'bulk'");
    st.step();
    std::vector<int64_t> out = {st.column_int(0), st.column_int(1), st.column_int(2), st.column_int(3)};
    st.reset();
    return out;
  });
  ASSERT_TRUE(stored);
  int64_t with_run = 0, expirations = 0, with_expiration = 0;
  for (int i = 0; i < 310; ++i) {
    with_run += i % 3 == 0;
    if (i % 2 == 0) {
      expirations += i % 50;
      ++with_expiration;
    }
  }
  EXPECT_EQ((*stored)[0], 310);
  EXPECT_EQ((*stored)[1], with_run);
  EXPECT_EQ((*stored)[2], expirations);
  EXPECT_EQ((*stored)[3], with_expiration);
}

}  // namespace
}  // namespace praetor::store
