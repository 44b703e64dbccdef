#include "store/work_queue_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
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

  core::WorkQueue queue(const std::string& pool_id, const std::string& name) {
    core::WorkQueue q;
    q.id = core::new_uuid4();
    q.created = q.updated = at("2026-01-01T00:00:00Z");
    q.name = name;
    q.work_pool_id = pool_id;
    return t_.db()
        .write<core::WorkQueue>(
            [&](Connection& c) -> core::Result<core::WorkQueue> { return *work_pools::create_queue(c, q, false); })
        .value();
  }

  std::optional<core::WorkQueue> by_name(const std::string& name) {
    using Found = std::optional<core::WorkQueue>;
    auto found = t_.db().read<Found>([&](Connection& c) -> core::Result<Found> {
      return work_queues::read_by_name(c, name);
    });
    return found.value();
  }

  testing::TempDatabase t_;
};

// Verifies a name is looked up in any pool until the default agent pool exists, then only
// there (read_work_queue_by_name).
TEST_F(WorkQueueRepositoryTest, ReadByNameScopesToTheDefaultAgentPoolOnceItExists) {
  auto other = queue(pool("other"), "shared");
  ASSERT_TRUE(by_name("shared"));
  EXPECT_EQ(by_name("shared")->id, other.id);
  auto agent_pool = pool(work_queues::kDefaultAgentPool);
  EXPECT_FALSE(by_name("shared"));
  auto legacy = queue(agent_pool, "shared");
  ASSERT_TRUE(by_name("shared"));
  EXPECT_EQ(by_name("shared")->id, legacy.id);
  EXPECT_EQ(by_name("shared")->work_pool_name, work_queues::kDefaultAgentPool);
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
