#include "store/task_run_queue.h"

#include <gtest/gtest.h>

#include "store/test_database.h"

namespace praetor::store {
namespace {

core::Timestamp at(int64_t seconds) { return core::from_micros(seconds * 1000000); }

struct Queue {
  testing::TempDatabase t;

  void enqueue(const std::string& id, const std::string& key, bool retry, int64_t s) {
    ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      task_run_queue::enqueue(c, id, key, retry, at(s));
      return core::Ok{};
    }));
  }
  std::optional<std::string> claim(const std::vector<std::string>& keys, const std::string& owner, int64_t now_s,
                                   int64_t stale_before_s) {
    auto r = t.db().write<std::optional<std::string>>([&](Connection& c) -> core::Result<std::optional<std::string>> {
      return task_run_queue::claim_next(c, keys, owner, at(now_s), at(stale_before_s));
    });
    EXPECT_TRUE(r);
    return r ? *r : std::nullopt;
  }
  void apply(const std::function<void(Connection&)>& fn) {
    ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      fn(c);
      return core::Ok{};
    }));
  }
};

// Verifies runs are claimed once each, oldest first and only for the subscriber's keys; a
// claimed run is invisible to other owners until released, when it comes back first (the
// retry queue); an acknowledged (removed) run never comes back.
TEST(TaskRunQueue, ClaimsOnceOldestFirstAndReleasedRunsFirst) {
  Queue q;
  q.enqueue("run-1", "a", false, 1);
  q.enqueue("run-2", "a", false, 2);
  q.enqueue("run-3", "b", false, 3);
  EXPECT_EQ(q.claim({"a"}, "owner-x", 10, 0), "run-1");
  EXPECT_EQ(q.claim({"a"}, "owner-y", 10, 0), "run-2");
  EXPECT_EQ(q.claim({"a"}, "owner-z", 10, 0), std::nullopt);
  auto waiting = q.t.db().read<bool>(
      [&](Connection& c) -> core::Result<bool> { return task_run_queue::has_waiting(c, {"a"}, at(0)); });
  ASSERT_TRUE(waiting);
  EXPECT_FALSE(*waiting);
  q.apply([](Connection& c) { task_run_queue::release(c, "run-2", "owner-y"); });
  q.apply([](Connection& c) { task_run_queue::release(c, "run-1", "not-the-owner"); });  // no effect
  q.enqueue("run-4", "a", false, 0);  // older, but not a retry
  EXPECT_EQ(q.claim({"a", "b"}, "owner-z", 11, 0), "run-2");
  EXPECT_EQ(q.claim({"a", "b"}, "owner-z", 11, 0), "run-4");
  EXPECT_EQ(q.claim({"a", "b"}, "owner-z", 11, 0), "run-3");
  q.apply([](Connection& c) { task_run_queue::remove(c, "run-1"); });
  EXPECT_EQ(q.claim({"a", "b"}, "owner-w", 100, 50), "run-2");  // stale claims (at 11) are taken
  EXPECT_EQ(q.claim({"a", "b"}, "owner-w", 100, 50), "run-4");
  EXPECT_EQ(q.claim({"a", "b"}, "owner-w", 100, 50), "run-3");
  EXPECT_EQ(q.claim({"a", "b"}, "owner-w", 100, 50), std::nullopt);  // run-1 was removed
}

// Verifies a refreshed claim is not stale.
TEST(TaskRunQueue, RefreshedClaimsStayWithTheirOwner) {
  Queue q;
  q.enqueue("run-1", "a", false, 1);
  EXPECT_EQ(q.claim({"a"}, "owner-x", 10, 0), "run-1");
  q.apply([](Connection& c) { task_run_queue::refresh_claims(c, {"owner-x"}, at(60)); });
  EXPECT_EQ(q.claim({"a"}, "owner-y", 70, 50), std::nullopt);
}

// Verifies workers accumulate task keys, are listed by key and by recency, and are forgotten.
TEST(TaskRunQueue, TaskWorkersAreObservedListedAndForgotten) {
  Queue q;
  q.apply([](Connection& c) {
    task_run_queue::observe_worker(c, "w1", {"a"}, at(10));
    task_run_queue::observe_worker(c, "w1", {"b", "a"}, at(20));
    task_run_queue::observe_worker(c, "w2", {"c"}, at(5));
  });
  using Workers = std::vector<task_run_queue::TaskWorker>;
  auto list = [&](std::vector<std::string> keys, int64_t since) {
    auto r = q.t.db().read<Workers>(
        [&](Connection& c) -> core::Result<Workers> { return task_run_queue::list_workers(c, keys, at(since)); });
    EXPECT_TRUE(r);
    return r ? *r : Workers{};
  };
  auto all = list({}, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].identifier, "w1");
  EXPECT_EQ(all[0].task_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(core::to_micros(all[0].seen), 20 * 1000000);
  EXPECT_EQ(list({"c"}, 0).size(), 1u);
  EXPECT_EQ(list({"x"}, 0).size(), 0u);
  EXPECT_EQ(list({}, 10).size(), 1u);  // w2 was last seen at 5
  q.apply([](Connection& c) { task_run_queue::forget_worker(c, "w1"); });
  EXPECT_EQ(list({"a"}, 0).size(), 0u);
}

}  // namespace
}  // namespace praetor::store
