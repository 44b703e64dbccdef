#include "store/work_queue_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "core/work_queue.h"
#include "store/test_database.h"
#include "store/work_pool_repository.h"

namespace praetor::store {
namespace {

core::Timestamp at(const char* text) { return *core::parse_timestamp(text); }

class WorkQueueRepositoryTest : public ::testing::Test {
 protected:
  // A pool named `name` with its default queue; returns the pool id.
  std::string pool(const std::string& name) {
    core::WorkPool p;
    p.id = core::new_uuid4();
    p.created = p.updated = at("2026-01-01T00:00:00Z");
    p.name = name;
    p.type = "prefect-agent";
    return t_.db()
        .write<std::string>([&](Connection& c) -> core::Result<std::string> {
          return work_pools::create(c, p, core::new_uuid4())->id;
        })
        .value();
  }

  // Inserts a queue (priority null: the first free one) and reads it back as polling does.
  core::WorkQueue queue(const std::string& pool_id, const std::string& name,
                        boost::json::value priority = nullptr) {
    auto q = core::new_work_queue(pool_id, name, at("2026-01-01T00:00:00Z"));
    q["priority"] = priority;
    return t_.db()
        .write<core::WorkQueue>([&](Connection& c) -> core::Result<core::WorkQueue> {
          if (!work_queues::insert(c, q)) return core::Error::conflict("taken");
          return *work_pools::read_queue(c, std::string(q.at("id").get_string()));
        })
        .value();
  }

  std::optional<boost::json::object> by_name(const std::string& name) {
    using Found = std::optional<boost::json::object>;
    auto found = t_.db().read<Found>([&](Connection& c) -> core::Result<Found> {
      return work_queues::read_by_name(c, name);
    });
    return found.value();
  }

  // The pool's queues as "name:priority", by priority.
  std::vector<std::string> priorities(const std::string& pool_id) {
    auto queues = t_.db()
                      .read<std::vector<core::WorkQueue>>(
                          [&](Connection& c) -> core::Result<std::vector<core::WorkQueue>> {
                            return work_pools::list_queues(c, pool_id);
                          })
                      .value();
    std::vector<std::string> out;
    for (const auto& q : queues) out.push_back(q.name + ":" + std::to_string(q.priority));
    return out;
  }

  testing::TempDatabase t_;
};

// Verifies a name is looked up in any pool until the default agent pool exists, then only
// there (read_work_queue_by_name).
TEST_F(WorkQueueRepositoryTest, ReadByNameScopesToTheDefaultAgentPoolOnceItExists) {
  auto other = queue(pool("other"), "shared");
  ASSERT_TRUE(by_name("shared"));
  EXPECT_EQ(by_name("shared")->at("id").as_string(), other.id);
  auto agent_pool = pool(work_queues::kDefaultAgentPool);
  EXPECT_FALSE(by_name("shared"));
  auto legacy = queue(agent_pool, "shared");
  ASSERT_TRUE(by_name("shared"));
  EXPECT_EQ(by_name("shared")->at("id").as_string(), legacy.id);
  EXPECT_EQ(by_name("shared")->at("work_pool_id").as_string(), agent_pool);
}

// Verifies create_work_queue's priorities: a queue without one takes the first free one
// (a gap before max + 1), one that takes a priority in use moves that queue and those after
// it down, and a second queue of a name in the pool is refused.
TEST_F(WorkQueueRepositoryTest, InsertAssignsAndReordersPriorities) {
  auto p = pool("pool");  // its "default" queue has priority 1
  queue(p, "b", 3);
  queue(p, "gap");
  EXPECT_EQ(priorities(p), (std::vector<std::string>{"default:1", "gap:2", "b:3"}));
  queue(p, "front", 1);
  EXPECT_EQ(priorities(p), (std::vector<std::string>{"front:1", "default:2", "gap:3", "b:4"}));
  auto again = core::new_work_queue(p, "gap", at("2026-01-01T00:00:00Z"));
  auto inserted = t_.db().write<bool>([&](Connection& c) -> core::Result<bool> { return work_queues::insert(c, again); });
  EXPECT_FALSE(inserted.value());
}

// Verifies a paused queue, a zero limit or a full concurrency limit hands out nothing.
TEST_F(WorkQueueRepositoryTest, ScheduledRunsRespectPauseLimitAndSlots) {
  auto q = queue(pool(work_queues::kDefaultAgentPool), "q");
  auto runs = [&](const core::WorkQueue& queue, int64_t limit) {
    return t_.db()
        .read<std::vector<core::FlowRun>>([&](Connection& c) -> core::Result<std::vector<core::FlowRun>> {
          return work_queues::scheduled_runs(c, queue, std::nullopt, limit);
        })
        .value();
  };
  EXPECT_TRUE(runs(q, 10).empty());
  EXPECT_TRUE(runs(q, 0).empty());
  q.is_paused = true;
  EXPECT_TRUE(runs(q, 10).empty());
  q.is_paused = false;
  q.concurrency_limit = 0;
  EXPECT_TRUE(runs(q, 10).empty());
  auto counts = t_.db()
                    .read<std::pair<int64_t, int64_t>>([&](Connection& c) -> core::Result<std::pair<int64_t, int64_t>> {
                      return std::make_pair(work_queues::late_runs(c, q.id), work_queues::count_slot_holders(c, q));
                    })
                    .value();
  EXPECT_EQ(counts.first, 0);
  EXPECT_EQ(counts.second, 0);
}

}  // namespace
}  // namespace praetor::store
