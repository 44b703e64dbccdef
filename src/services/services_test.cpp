#include <gtest/gtest.h>

#include "core/uuid.h"
#include "services/foreman.h"
#include "services/late_runs.h"
#include "services/scheduler.h"
#include "store/deployment_repository.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"
#include "store/test_database.h"
#include "store/work_pool_repository.h"

namespace praetor::services {
namespace {

namespace json = boost::json;
using store::Connection;

core::Timestamp at(const char* iso) { return *core::parse_timestamp(iso); }

struct Fixture {
  store::testing::TempDatabase tmp;
  core::ManualClock clock{at("2026-03-01T00:00:00Z")};
  config::ServiceSettings settings;
  std::string deployment_id = core::new_uuid4();
  std::string schedule_id = core::new_uuid4();

  // A flow, and a deployment of it with one schedule.
  void add_deployment(json::value schedule, bool paused = false) {
    auto st = tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      core::Flow f;
      f.id = core::new_uuid4();
      f.created = f.updated = clock.now();
      f.name = "f";
      auto flow = store::flows::get_or_create(c, f).flow;
      core::Deployment d;
      d.id = deployment_id;
      d.created = d.updated = clock.now();
      d.name = "d";
      d.flow_id = flow.id;
      d.paused = paused;
      d.tags = {"nightly"};
      d.parameters = json::object{{"x", 1}};
      store::deployments::insert(c, d);
      core::DeploymentSchedule s;
      s.id = schedule_id;
      s.created = s.updated = clock.now();
      s.deployment_id = d.id;
      s.schedule = std::move(schedule);
      store::deployments::insert_schedule(c, s);
      return core::Ok{};
    });
    ASSERT_TRUE(st);
  }

  std::vector<core::FlowRun> runs() {
    auto r = tmp.db().read<std::vector<core::FlowRun>>([&](Connection& c) -> core::Result<std::vector<core::FlowRun>> {
      return store::flow_runs::list(c, store::SqlCondition{}, "ORDER BY next_scheduled_start_time", 1000, 0);
    });
    return *r;
  }
};

// Verifies that an hourly interval schedule gets runs up to the 1 h minimum window plus the
// 3-run minimum, in SCHEDULED state at the schedule's times, tagged and keyed as upstream.
TEST(Scheduler, SchedulesMinimumRunsWithKeysAndState) {
  Fixture fx;
  fx.add_deployment(json::object{{"interval", 3600.0}, {"anchor_date", "2026-01-01T00:30:00Z"}, {"timezone", "UTC"}});
  Scheduler scheduler(Scheduler::Pass::kAll, fx.settings, fx.tmp.db(), fx.clock, nullptr);
  scheduler.run_once();
  auto runs = fx.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(scheduler.last_inserted(), 3);
  EXPECT_EQ(core::format_timestamp(*runs[0].next_scheduled_start_time), "2026-03-01T00:30:00Z");
  EXPECT_EQ(core::format_timestamp(*runs[2].next_scheduled_start_time), "2026-03-01T02:30:00Z");
  EXPECT_EQ(runs[0].state_type, core::StateType::kScheduled);
  EXPECT_TRUE(runs[0].auto_scheduled);
  EXPECT_EQ(runs[0].tags, (std::vector<std::string>{"auto-scheduled", "nightly"}));
  EXPECT_EQ(*runs[0].idempotency_key,
            "scheduled " + fx.deployment_id + " " + fx.schedule_id + " 2026-03-01 00:30:00+00:00");
  EXPECT_EQ(runs[0].created_by.at("type"), "SCHEDULE");
  EXPECT_EQ(runs[0].parameters.at("x"), 1);
}

// Verifies that a second pass at the same time inserts nothing (idempotent), and that a
// pass after time moves on tops the schedule up without duplicating runs.
TEST(Scheduler, IsIdempotentAndTopsUp) {
  Fixture fx;
  fx.add_deployment(json::object{{"interval", 3600.0}, {"anchor_date", "2026-01-01T00:30:00Z"}});
  Scheduler scheduler(Scheduler::Pass::kAll, fx.settings, fx.tmp.db(), fx.clock, nullptr);
  scheduler.run_once();
  scheduler.run_once();
  EXPECT_EQ(scheduler.last_inserted(), 0);
  EXPECT_EQ(fx.runs().size(), 3u);
  fx.clock.advance(std::chrono::hours(1));
  scheduler.run_once();
  EXPECT_EQ(scheduler.last_inserted(), 1);
  EXPECT_EQ(fx.runs().size(), 4u);
}

// Verifies that paused deployments get no runs, and that the recent pass only looks at
// recently updated deployments.
TEST(Scheduler, SkipsPausedAndOldDeploymentsInRecentPass) {
  Fixture fx;
  fx.add_deployment(json::object{{"cron", "0 * * * *"}, {"timezone", "Europe/Berlin"}}, true);
  Scheduler all(Scheduler::Pass::kAll, fx.settings, fx.tmp.db(), fx.clock, nullptr);
  all.run_once();
  EXPECT_TRUE(fx.runs().empty());

  Fixture fy;
  fy.add_deployment(json::object{{"cron", "0 * * * *"}, {"timezone", "Europe/Berlin"}});
  fy.clock.advance(std::chrono::seconds(60));
  Scheduler recent(Scheduler::Pass::kRecent, fy.settings, fy.tmp.db(), fy.clock, nullptr);
  recent.run_once();
  EXPECT_TRUE(fy.runs().empty());
  fy.clock.advance(std::chrono::seconds(-58));
  recent.run_once();
  EXPECT_EQ(fy.runs().size(), 3u);
}

// Verifies that a Scheduled run more than after_seconds past its time becomes Late (and
// keeps its scheduled time), while a run within the threshold stays Scheduled.
TEST(LateRuns, MarksOnlyOverdueScheduledRuns) {
  Fixture fx;
  fx.add_deployment(json::object{{"interval", 60.0}, {"anchor_date", "2026-03-01T00:00:10Z"}});
  fx.settings.scheduler_min_scheduled_time_seconds = 0;
  Scheduler scheduler(Scheduler::Pass::kAll, fx.settings, fx.tmp.db(), fx.clock, nullptr);
  scheduler.run_once();  // runs at 00:00:10, 00:01:10, 00:02:10
  fx.clock.set(at("2026-03-01T00:01:20Z"));
  LateRuns late(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  late.run_once();
  EXPECT_EQ(late.last_marked(), 1);
  auto runs = fx.runs();
  EXPECT_EQ(*runs[0].state_name, "Late");
  EXPECT_EQ(runs[0].state_type, core::StateType::kScheduled);
  EXPECT_EQ(runs[0].state->state_details.at("scheduled_time"), "2026-03-01T00:00:10Z");
  EXPECT_EQ(*runs[1].state_name, "Scheduled");
  late.run_once();
  EXPECT_EQ(late.last_marked(), 0);
}

// Verifies that the foreman turns a silent worker OFFLINE and its pool NOT_READY.
TEST(Foreman, MarksSilentWorkersOfflineAndPoolsNotReady) {
  Fixture fx;
  std::string pool_id = core::new_uuid4();
  auto st = fx.tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    core::WorkPool p;
    p.id = pool_id;
    p.created = p.updated = fx.clock.now();
    p.name = "pool";
    p.type = "process";
    store::work_pools::create(c, p, core::new_uuid4());
    store::work_pools::record_heartbeat(c, pool_id, "w", 10, fx.clock.now());
    return core::Ok{};
  });
  ASSERT_TRUE(st);
  Foreman foreman(fx.settings, fx.tmp.db(), fx.clock);
  fx.clock.advance(std::chrono::seconds(29));
  foreman.run_once();
  auto status = [&] {
    return *fx.tmp.db().read<std::string>([&](Connection& c) -> core::Result<std::string> {
      return store::work_pools::read(c, pool_id)->status;
    });
  };
  EXPECT_EQ(status(), "READY");
  fx.clock.advance(std::chrono::seconds(2));
  foreman.run_once();
  EXPECT_EQ(status(), "NOT_READY");
}

// Verifies Python's str() of UTC datetimes, used in the scheduler's idempotency keys.
TEST(Scheduler, PythonDatetimeStr) {
  EXPECT_EQ(python_utc_str(at("2026-08-21T12:00:00Z")), "2026-08-21 12:00:00+00:00");
  EXPECT_EQ(python_utc_str(at("2026-08-21T12:00:00.5Z")), "2026-08-21 12:00:00.500000+00:00");
}

}  // namespace
}  // namespace praetor::services
