#include "store/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <future>
#include <utility>
#include <thread>
#include <vector>

#include "store/test_database.h"

namespace praetor::store {
namespace {

using core::Ok;
using core::Result;
using core::Status;

// Verifies concurrent writers all commit and their rows are visible to readers afterwards.
TEST(Database, ConcurrentWritesAllCommit) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)");
    return Ok{};
  }));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < 8; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 50; ++i) {
        auto r = t.db().write<Ok>([&](Connection& c) -> Status {
          c.prepare("INSERT INTO kv(k, v) VALUES (?1, 'x')").bind(1, th * 1000 + i).run();
          return Ok{};
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto n = t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto& st = c.prepare("SELECT COUNT(*) FROM kv");
    st.step();
    return st.column_int(0);
  });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 400);
}

// Verifies a read that steps one row of a many-row query and returns does not leave its
// pooled connection on an old snapshot: the next read sees a write made in between.
TEST(Database, AbandonedStatementDoesNotPinASnapshot) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY)");
    c.exec("INSERT INTO kv(k) VALUES (1), (2), (3)");
    return Ok{};
  }));
  auto count = [&] {
    return t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
      auto& st = c.prepare("SELECT k FROM kv ORDER BY k");
      int64_t rows = 0;
      while (st.step()) ++rows;
      return rows;
    });
  };
  auto first = t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto& st = c.prepare("SELECT k FROM kv ORDER BY k DESC");
    st.step();  // one row of three, then return: the statement stays mid-result
    return st.column_int(0);
  });
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 3);
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("INSERT INTO kv(k) VALUES (4)");
    return Ok{};
  }));
  auto after = count();
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, 4);
}

// Verifies one failing write in a group rolls back alone and reports its error.
TEST(Database, FailingWriteRollsBackAlone) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY)");
    return Ok{};
  }));
  auto bad = t.db().write<Ok>([](Connection& c) -> Status {
    c.prepare("INSERT INTO kv(k) VALUES (1)").run();
    return core::Error::invalid("changed my mind");
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, core::ErrorKind::kInvalid);
  auto dup = t.db().write<Ok>([](Connection& c) -> Status {
    c.prepare("INSERT INTO kv(k) VALUES (2)").run();
    c.prepare("INSERT INTO kv(k) VALUES (2)").run();
    return Ok{};
  });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, core::ErrorKind::kConflict);
  auto n = t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto& st = c.prepare("SELECT COUNT(*) FROM kv");
    st.step();
    return st.column_int(0);
  });
  EXPECT_EQ(*n, 0);
}

// Verifies an acknowledged write is there after the database is closed and reopened.
TEST(Database, AcknowledgedWriteSurvivesReopen) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY)");
    c.exec("INSERT INTO kv VALUES (42)");
    return Ok{};
  }));
  t.reopen();
  auto n = t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto& st = c.prepare("SELECT k FROM kv");
    if (!st.step()) return core::Error::not_found("no row");
    return st.column_int(0);
  });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 42);
}

// Verifies write_async completes once per write, after the commit (a reader already sees the
// row), with fn's result; a failing fn rolls back alone and reports its error.
TEST(Database, WriteAsyncCompletesAfterCommit) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY)");
    return Ok{};
  }));
  auto count = [&] {
    return *t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
      auto& st = c.prepare("SELECT COUNT(*) FROM kv");
      st.step();
      return st.column_int(0);
    });
  };
  std::promise<std::pair<Result<int64_t>, int64_t>> good, bad;
  t.db().write_async<int64_t>(
      [](Connection& c) -> Result<int64_t> {
        c.exec("INSERT INTO kv VALUES (1)");
        return 7;
      },
      [&](Result<int64_t> r) { good.set_value({std::move(r), count()}); });
  t.db().write_async<int64_t>(
      [](Connection& c) -> Result<int64_t> {
        c.exec("INSERT INTO kv VALUES (2)");
        return core::Error::invalid("changed my mind");
      },
      [&](Result<int64_t> r) { bad.set_value({std::move(r), count()}); });
  auto [g, seen] = good.get_future().get();
  ASSERT_TRUE(g);
  EXPECT_EQ(*g, 7);
  EXPECT_EQ(seen, 1);
  auto [b, _] = bad.get_future().get();
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind, core::ErrorKind::kInvalid);
  EXPECT_EQ(count(), 1);
}

// Verifies bulk writes commit like writes, and that an interactive write queued behind
// several bulk writes runs before all but the first of them (SQLite's writer takes one bulk
// write per group, after the group's interactive writes; PostgreSQL runs them concurrently).
TEST(Database, InteractiveWritesDoNotQueueBehindBulkWrites) {
  testing::TempDatabase t;
  ASSERT_TRUE(t.db().write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)");
    return Ok{};
  }));
  std::mutex mu;
  std::vector<std::string> order;
  auto note = [&](const std::string& what) {
    std::lock_guard lock(mu);
    order.push_back(what);
  };
  // Holds the writer busy while the others queue.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // On its own thread: PostgreSQL's write_async runs on the caller's thread.
  std::thread blocker([&] {
    EXPECT_TRUE(t.db().write<Ok>([&](Connection&) -> Result<Ok> {
      released.wait();
      return Ok{};
    }));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the blocker holds the writer
  std::vector<std::thread> bulk;
  for (int i = 0; i < 3; ++i) {
    bulk.emplace_back([&, i] {
      auto r = t.db().write_bulk<Ok>([&, i](Connection& c) -> Result<Ok> {
        c.exec("INSERT INTO kv VALUES (" + std::to_string(i) + ", 'bulk')");
        note("bulk");
        return Ok{};
      });
      EXPECT_TRUE(r);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the bulk writes are queued
  std::promise<void> interactive_done;
  t.db().write_async<Ok>([&](Connection& c) -> Result<Ok> {
    c.exec("INSERT INTO kv VALUES (10, 'interactive')");
    note("interactive");
    return Ok{};
  }, [&](Result<Ok> r) {
    EXPECT_TRUE(r);
    interactive_done.set_value();
  });
  release.set_value();
  blocker.join();
  interactive_done.get_future().wait();
  for (auto& th : bulk) th.join();
  ASSERT_EQ(order.size(), 4u);
  auto at = std::find(order.begin(), order.end(), "interactive") - order.begin();
  if (t.db().dialect() == Dialect::kSqlite) EXPECT_LE(at, 1) << "the interactive write waited behind " << at << " bulk writes";
  EXPECT_EQ(*t.db().read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto& st = c.prepare("SELECT COUNT(*) FROM kv");
    st.step();
    int64_t n = st.column_int(0);
    st.reset();
    return n;
  }), 4);
}

}  // namespace
}  // namespace praetor::store
