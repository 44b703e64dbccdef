#include <gtest/gtest.h>

#include "core/flow.h"
#include "core/uuid.h"
#include "runs/flow_run_transition.h"
#include "runs/task_run_transition.h"
#include "services/cancellation_cleanup.h"
#include "services/foreman.h"
#include "events/event_bus.h"
#include "services/late_runs.h"
#include "services/pause_expirations.h"
#include "services/repossessor.h"
#include "services/scheduler.h"
#include "store/concurrency_repository.h"
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
  void add_deployment(json::value schedule, bool paused = false, json::value concurrency_options = nullptr) {
    auto st = tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      auto flow = store::flows::get_or_create(c, core::new_flow("f", clock.now())).flow;
      core::Deployment d;
      d.id = deployment_id;
      d.created = d.updated = clock.now();
      d.name = "d";
      d.flow_id = flow.at("id").as_string();
      d.paused = paused;
      d.tags = {"nightly"};
      d.parameters = json::object{{"x", 1}};
      d.concurrency_options = std::move(concurrency_options);
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

// Verifies keys print the date in the schedule's zone, and that a run an earlier release
// keyed with the UTC form of its date is not scheduled a second time after an upgrade.
TEST(Scheduler, ZonedKeysAndNoDuplicateOfLegacyUtcKeys) {
  Fixture fx;
  fx.add_deployment(json::object{{"interval", 3600.0}, {"anchor_date", "2026-01-01T00:30:00Z"},
                                 {"timezone", "Europe/Berlin"}});
  Scheduler scheduler(Scheduler::Pass::kAll, fx.settings, fx.tmp.db(), fx.clock, nullptr);
  scheduler.run_once();
  auto runs = fx.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(*runs[0].idempotency_key,
            "scheduled " + fx.deployment_id + " " + fx.schedule_id + " 2026-03-01 01:30:00+01:00");
  // Re-key the last two runs as the previous release did.
  auto rekeyed = fx.tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    const std::pair<const char*, const char*> legacy[] = {{"2026-03-01 02:30:00+01:00", "2026-03-01 01:30:00+00:00"},
                                                          {"2026-03-01 03:30:00+01:00", "2026-03-01 02:30:00+00:00"}};
    const std::string prefix = "scheduled " + fx.deployment_id + " " + fx.schedule_id + " ";
    for (const auto& [zoned, utc] : legacy) {
      auto& st = c.prepare("UPDATE flow_run SET idempotency_key = ?1 WHERE idempotency_key = ?2");
      st.bind(1, prefix + utc).bind(2, prefix + zoned).run();
      EXPECT_EQ(c.changes(), 1) << zoned;
      st.reset();
    }
    return core::Ok{};
  });
  ASSERT_TRUE(rekeyed);
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

// A deployment with a concurrency limit of 1 whose slot is taken by another run's lease,
// and its schedule's runs, the first of them overdue by more than after_seconds.
struct LimitedDeploymentFixture : Fixture {
  std::string limit_id;

  explicit LimitedDeploymentFixture(json::value concurrency_options) {
    add_deployment(json::object{{"interval", 60.0}, {"anchor_date", "2026-03-01T00:00:10Z"}}, false,
                   std::move(concurrency_options));
    auto id = tmp.db().write<std::string>([&](Connection& c) -> core::Result<std::string> {
      store::deployments::set_concurrency_limit(c, deployment_id, 1, clock.now());
      auto limit = *store::deployments::read(c, deployment_id)->concurrency_limit_id;
      store::concurrency::take_slot_with_lease(c, limit, core::new_uuid4(), 300, nullptr, clock.now());
      return limit;
    });
    limit_id = *id;
    settings.scheduler_min_scheduled_time_seconds = 0;
    Scheduler scheduler(Scheduler::Pass::kAll, settings, tmp.db(), clock, nullptr);
    scheduler.run_once();  // runs at 00:00:10, 00:01:10, 00:02:10
    clock.set(at("2026-03-01T00:01:20Z"));
  }

  // The run expected at `iso` (a cancelled run has no next_scheduled_start_time to sort by).
  core::FlowRun run_at(const char* iso) {
    for (auto& r : runs()) {
      if (r.expected_start_time == at(iso)) return r;
    }
    ADD_FAILURE() << "no run at " << iso;
    return {};
  }
};

// Verifies EnforceDeploymentConcurrencyOnLate through the late-runs service: an overdue run
// of a CANCEL_NEW deployment whose limit is full is cancelled ("Deployment concurrency limit
// reached.") instead of marked Late; with the ENQUEUE strategy it is marked Late.
TEST(LateRuns, CancelsOverdueRunsOfAFullCancelNewDeployment) {
  LimitedDeploymentFixture cancel_new(json::object{{"collision_strategy", "CANCEL_NEW"}});
  LateRuns late(cancel_new.settings, cancel_new.tmp.db(), cancel_new.clock, nullptr);
  late.run_once();
  auto overdue = cancel_new.run_at("2026-03-01T00:00:10Z");
  EXPECT_EQ(overdue.state_type, core::StateType::kCancelled);
  ASSERT_TRUE(overdue.state && overdue.state->message);
  EXPECT_EQ(*overdue.state->message, "Deployment concurrency limit reached.");
  EXPECT_EQ(*cancel_new.run_at("2026-03-01T00:01:10Z").state_name, "Scheduled");

  LimitedDeploymentFixture enqueue(json::object{{"collision_strategy", "ENQUEUE"}});
  LateRuns late_enqueue(enqueue.settings, enqueue.tmp.db(), enqueue.clock, nullptr);
  late_enqueue.run_once();
  EXPECT_EQ(late_enqueue.last_marked(), 1);
  EXPECT_EQ(*enqueue.run_at("2026-03-01T00:00:10Z").state_name, "Late");
}

// Verifies the same CANCEL_NEW deployment's overdue run is marked Late once the slot holder
// has released its slot.
TEST(LateRuns, MarksLateWhenTheCancelNewLimitHasRoom) {
  LimitedDeploymentFixture fx(json::object{{"collision_strategy", "CANCEL_NEW"}});
  auto freed = fx.tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    store::concurrency::free_slots(c, {fx.limit_id}, 1, fx.clock.now());
    return core::Ok{};
  });
  ASSERT_TRUE(freed);
  LateRuns late(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  late.run_once();
  EXPECT_EQ(late.last_marked(), 1);
  EXPECT_EQ(*fx.run_at("2026-03-01T00:00:10Z").state_name, "Late");
}

// Flow runs and task runs in given states, for the cancellation and pause services.
struct RunFixture : Fixture {
  std::string flow_id;

  RunFixture() {
    auto r = tmp.db().write<std::string>([&](Connection& c) -> core::Result<std::string> {
      return std::string(store::flows::get_or_create(c, core::new_flow("runs", clock.now())).flow.at("id").as_string());
    });
    flow_id = *r;
  }

  static core::State state(core::StateType type, json::object details = {}) {
    core::State s;
    s.type = type;
    s.name = core::default_state_name(type);
    s.state_details = std::move(details);
    return s;
  }

  // A flow run (a subflow of `parent_task_run_id` when given) forced into `initial`.
  std::string flow_run(core::State initial, std::optional<std::string> parent_task_run_id = std::nullopt,
                       std::optional<std::string> deployment_id = std::nullopt) {
    auto r = tmp.db().write<std::string>([&](Connection& c) -> core::Result<std::string> {
      core::FlowRun run;
      run.id = core::new_uuid4();
      run.created = run.updated = clock.now();
      run.name = "run-" + run.id.substr(0, 6);
      run.flow_id = flow_id;
      run.parent_task_run_id = parent_task_run_id;
      run.deployment_id = deployment_id;
      store::flow_runs::create(c, run);
      auto stored = store::flow_runs::read(c, run.id);
      auto out = runs::apply_flow_run_transition(c, *stored, std::move(initial), true, clock.now());
      if (!out) return out.error();
      return run.id;
    });
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  void force_flow_state(const std::string& id, core::State s) {
    auto r = tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      auto stored = store::flow_runs::read(c, id);
      auto out = runs::apply_flow_run_transition(c, *stored, std::move(s), true, clock.now());
      if (!out) return out.error();
      return core::Ok{};
    });
    ASSERT_TRUE(r);
  }

  // A task run of `flow_run_id` in `initial`.
  std::string task_run(const std::string& flow_run_id, const std::string& key, core::State initial) {
    auto r = tmp.db().write<std::string>([&](Connection& c) -> core::Result<std::string> {
      auto create = core::parse_task_run_create(
          json::object{{"flow_run_id", flow_run_id}, {"task_key", key}, {"dynamic_key", "0"}, {"name", key}},
          clock.now());
      if (!create) return create.error();
      auto made = runs::create_task_run(c, std::move(*create), clock.now());
      if (!made) return made.error();
      auto set = runs::set_task_run_state(c, made->run.id, std::move(initial), true, clock.now());
      if (!set) return set.error();
      return made->run.id;
    });
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  core::FlowRun read_flow_run(const std::string& id) {
    return **tmp.db().read<std::optional<core::FlowRun>>(
        [&](Connection& c) -> core::Result<std::optional<core::FlowRun>> { return store::flow_runs::read(c, id); });
  }

  std::string task_state(const std::string& id) {
    return *tmp.db().read<std::string>([&](Connection& c) -> core::Result<std::string> {
      auto& st = c.prepare("SELECT state_type FROM task_run WHERE id = ?1");
      st.bind(1, id);
      std::string out = st.step() ? st.column_text(0) : "";
      st.reset();
      return out;
    });
  }
};

// Verifies the cancellation cleanup as upstream: the open task runs of a cancelled flow run
// are cancelled (a finished one is left alone); its subflows become Cancelled (no
// deployment) or Cancelling (deployment: the worker tears it down); a second pass changes
// nothing new; the runs of a flow run that is still running are untouched.
TEST(CancellationCleanup, CancelsChildTaskRunsAndSubflows) {
  RunFixture fx;
  auto parent = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  auto open_task = fx.task_run(parent, "open", RunFixture::state(core::StateType::kRunning));
  auto done_task = fx.task_run(parent, "done", RunFixture::state(core::StateType::kCompleted));
  auto sub_task = fx.task_run(parent, "sub", RunFixture::state(core::StateType::kRunning));
  auto dep_task = fx.task_run(parent, "dep", RunFixture::state(core::StateType::kRunning));
  auto subflow = fx.flow_run(RunFixture::state(core::StateType::kRunning), sub_task);
  auto dep_subflow = fx.flow_run(RunFixture::state(core::StateType::kRunning), dep_task, core::new_uuid4());
  auto other = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  auto other_task = fx.task_run(other, "t", RunFixture::state(core::StateType::kRunning));
  fx.clock.advance(std::chrono::seconds(5));
  fx.force_flow_state(parent, RunFixture::state(core::StateType::kCancelled));

  CancellationCleanup cleanup(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  cleanup.run_once();
  EXPECT_EQ(cleanup.last_pass().task_runs, 3);
  EXPECT_EQ(cleanup.last_pass().subflow_runs, 2);
  EXPECT_EQ(fx.task_state(open_task), "CANCELLED");
  EXPECT_EQ(fx.task_state(done_task), "COMPLETED");
  EXPECT_EQ(fx.task_state(other_task), "RUNNING");
  auto sub = fx.read_flow_run(subflow);
  EXPECT_EQ(sub.state->type, core::StateType::kCancelled);
  EXPECT_EQ(*sub.state->message, "The parent flow run was cancelled.");
  EXPECT_EQ(fx.read_flow_run(dep_subflow).state->type, core::StateType::kCancelling);
  EXPECT_EQ(fx.read_flow_run(other).state->type, core::StateType::kRunning);

  // The Cancelling subflow's state was mirrored onto its parent task run (as upstream), so
  // the next pass cancels that task run again; the subflow itself is left to its worker.
  EXPECT_EQ(fx.task_state(dep_task), "CANCELLING");
  cleanup.run_once();
  EXPECT_EQ(cleanup.last_pass().task_runs, 1);
  EXPECT_EQ(cleanup.last_pass().subflow_runs, 0);
  EXPECT_EQ(fx.task_state(dep_task), "CANCELLED");
  cleanup.run_once();
  EXPECT_EQ(cleanup.last_pass().task_runs, 0);
}

// Verifies that task runs of a flow run cancelled more than a day ago are not revisited.
TEST(CancellationCleanup, IgnoresFlowRunsCancelledOverADayAgo) {
  RunFixture fx;
  auto parent = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  auto task = fx.task_run(parent, "t", RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(parent, RunFixture::state(core::StateType::kCancelled));
  fx.clock.advance(std::chrono::hours(25));
  CancellationCleanup cleanup(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  cleanup.run_once();
  EXPECT_EQ(cleanup.last_pass().task_runs, 0);
  EXPECT_EQ(fx.task_state(task), "RUNNING");
}

// Verifies the Cancelling timeout: a run Cancelling for longer than
// cancelling_timeout_seconds is proposed Cancelled; a younger one is left to its worker.
TEST(CancellationCleanup, TimesOutLongCancellingRuns) {
  RunFixture fx;
  fx.settings.cancellation_cleanup_cancelling_timeout_seconds = 300;
  auto old_run = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(old_run, RunFixture::state(core::StateType::kCancelling));
  fx.clock.advance(std::chrono::seconds(200));
  auto young_run = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(young_run, RunFixture::state(core::StateType::kCancelling));
  fx.clock.advance(std::chrono::seconds(101));
  CancellationCleanup cleanup(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  cleanup.run_once();
  EXPECT_EQ(cleanup.last_pass().timed_out, 1);
  auto old_state = *fx.read_flow_run(old_run).state;
  EXPECT_EQ(old_state.type, core::StateType::kCancelled);
  EXPECT_EQ(*old_state.message, "Flow run cancellation timed out; marked this flow run as Cancelled.");
  EXPECT_EQ(fx.read_flow_run(young_run).state->type, core::StateType::kCancelling);
}

// Verifies pause expiration: a Paused run past its pause_timeout is forced to Failed with
// upstream's message; a run paused until later, and a Paused run without a timeout, stay.
TEST(PauseExpirations, FailsOnlyExpiredPauses) {
  RunFixture fx;
  auto expired = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(expired, RunFixture::state(core::StateType::kPaused,
                                                 json::object{{"pause_timeout", "2026-03-01T00:00:30Z"}}));
  auto later = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(later, RunFixture::state(core::StateType::kPaused,
                                               json::object{{"pause_timeout", "2026-03-01T01:00:00Z"}}));
  auto no_timeout = fx.flow_run(RunFixture::state(core::StateType::kRunning));
  fx.force_flow_state(no_timeout, RunFixture::state(core::StateType::kPaused));
  PauseExpirations pauses(fx.settings, fx.tmp.db(), fx.clock, nullptr);
  pauses.run_once();
  EXPECT_EQ(pauses.last_failed(), 0);
  fx.clock.set(at("2026-03-01T00:00:31Z"));
  pauses.run_once();
  EXPECT_EQ(pauses.last_failed(), 1);
  auto failed = *fx.read_flow_run(expired).state;
  EXPECT_EQ(failed.type, core::StateType::kFailed);
  EXPECT_EQ(*failed.message, "The flow was paused and never resumed.");
  EXPECT_EQ(fx.read_flow_run(later).state->type, core::StateType::kPaused);
  EXPECT_EQ(fx.read_flow_run(no_timeout).state->type, core::StateType::kPaused);
}

// Verifies that the foreman turns a silent worker OFFLINE and its pool NOT_READY, with
// Prefect's prefect.work-pool.not-ready event, once.
TEST(Foreman, MarksSilentWorkersOfflineAndPoolsNotReady) {
  Fixture fx;
  std::string pool_id = core::new_uuid4();
  bool turned_ready = false;
  auto st = fx.tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    core::WorkPool p;
    p.id = pool_id;
    p.created = p.updated = fx.clock.now();
    p.name = "pool";
    p.type = "process";
    store::work_pools::create(c, p, core::new_uuid4());
    turned_ready = store::work_pools::record_heartbeat(c, pool_id, "w", 10, fx.clock.now());
    return core::Ok{};
  });
  ASSERT_TRUE(st);
  EXPECT_TRUE(turned_ready);
  struct Collect : events::EventSubscriber {
    std::vector<events::Event> seen;
    void on_events(const std::vector<events::Event>& batch) override {
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
  } collect;
  events::EventBus bus;
  bus.subscribe(&collect);
  Foreman foreman(fx.settings, fx.tmp.db(), fx.clock, &bus);
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
  foreman.run_once();
  EXPECT_EQ(status(), "NOT_READY");
  bus.flush();
  ASSERT_EQ(collect.seen.size(), 1u);
  EXPECT_EQ(collect.seen[0].event, "prefect.work-pool.not-ready");
  EXPECT_EQ(collect.seen[0].resource_id(), "prefect.work-pool." + pool_id);
  EXPECT_EQ(collect.seen[0].resource.at("prefect.resource.name"), "pool");
  EXPECT_EQ(collect.seen[0].resource.at("prefect.work-pool.type"), "process");
  bus.unsubscribe(&collect);
}

// Verifies the repossessor: a pass before any lease expires reclaims nothing; a pass after
// the first expired gives back exactly that lease's slot and deletes it; a lease renewed in
// time keeps its slot; later passes reclaim the rest, more than one batch in one pass.
TEST(Repossessor, ReclaimsOnlyExpiredLeases) {
  Fixture fx;
  namespace cl = store::concurrency;
  cl::Limit limit;
  limit.id = core::new_uuid4();
  limit.created = limit.updated = fx.clock.now();
  limit.name = "deployment:x";
  limit.limit = 500;
  const std::string short_lease = core::new_uuid4();
  const std::string renewed_lease = core::new_uuid4();
  auto t0 = fx.clock.now();
  ASSERT_TRUE(fx.tmp.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    cl::create(c, limit);
    cl::take_slot_with_lease(c, limit.id, short_lease, 30, nullptr, t0);
    cl::take_slot_with_lease(c, limit.id, renewed_lease, 60, nullptr, t0);
    for (int i = 0; i < Repossessor::kBatchSize + 5; ++i) {
      cl::take_slot_with_lease(c, limit.id, core::new_uuid4(), 120, nullptr, t0);
    }
    return core::Ok{};
  }));
  auto slots = [&] {
    return *fx.tmp.db().read<int64_t>([&](Connection& c) -> core::Result<int64_t> {
      return cl::read_stored(c, limit.id)->active_slots;
    });
  };
  auto live = [&](const std::string& lease) {
    return *fx.tmp.db().read<bool>(
        [&](Connection& c) -> core::Result<bool> { return cl::lease_is_live(c, lease, fx.clock.now()); });
  };
  const int64_t taken = Repossessor::kBatchSize + 7;
  Repossessor repossessor(fx.settings, fx.tmp.db(), fx.clock);
  EXPECT_EQ(repossessor.interval(), std::chrono::seconds(15));
  fx.clock.advance(std::chrono::seconds(29));
  repossessor.run_once();
  EXPECT_EQ(repossessor.last_reclaimed(), 0);
  EXPECT_EQ(slots(), taken);

  ASSERT_TRUE(fx.tmp.db().write<bool>([&](Connection& c) -> core::Result<bool> {
    return cl::renew_lease(c, renewed_lease, 300, fx.clock.now());
  }));
  fx.clock.advance(std::chrono::seconds(2));
  repossessor.run_once();
  EXPECT_EQ(repossessor.last_reclaimed(), 1);
  EXPECT_EQ(slots(), taken - 1);
  auto gone = fx.tmp.db().read<bool>([&](Connection& c) -> core::Result<bool> {
    auto& st = c.prepare("SELECT 1 FROM concurrency_lease WHERE id = ?1");
    st.bind(1, short_lease);
    bool found = st.step();
    st.reset();
    return !found;
  });
  EXPECT_TRUE(*gone);

  fx.clock.advance(std::chrono::seconds(100));  // +131 s: the 120 s leases expired, not the renewed one
  repossessor.run_once();
  EXPECT_EQ(repossessor.last_reclaimed(), Repossessor::kBatchSize + 5);
  EXPECT_EQ(slots(), 1);
  EXPECT_TRUE(live(renewed_lease));
  repossessor.run_once();
  EXPECT_EQ(repossessor.last_reclaimed(), 0);
}

}  // namespace
}  // namespace praetor::services
