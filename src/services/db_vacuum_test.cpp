#include "services/db_vacuum.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::services {
namespace {

using std::chrono::hours;

const core::Timestamp kNow = *core::parse_timestamp("2026-06-01T00:00:00Z");

struct Fixture {
  store::testing::TempDatabase tmp;
  core::ManualClock clock{kNow};

  void exec(const std::string& sql) {
    auto r = tmp.db().write<bool>([&](store::Connection& c) -> core::Result<bool> {
      c.exec(sql);
      return true;
    });
    if (!r) throw std::runtime_error(r.error().message);
  }
  int64_t count(const std::string& sql) {
    auto r = tmp.db().read<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
      auto& st = c.prepare(sql);
      st.step();
      int64_t n = st.column_int(0);
      st.reset();
      return n;
    });
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }
  void event(const std::string& type, core::Timestamp occurred) {
    const std::string id = core::new_uuid4(), us = std::to_string(core::to_micros(occurred));
    exec("INSERT INTO event (id, occurred, received, event, resource_id, doc) VALUES ('" + id + "', " + us + ", " + us +
         ", '" + type + "', 'r', '{}')");
    exec("INSERT INTO event_resource (event_id, occurred, resource_id, resource_role, resource) VALUES ('" + id +
         "', " + us + ", 'r', '', '{}')");
  }
};

// Verifies an events pass applies each override capped by the events retention period, then
// that period to every type, across many batches, and counts what it deleted.
TEST(DbVacuum, EventsPassAppliesOverridesCappedByTheRetentionPeriod) {
  Fixture f;
  config::DbVacuumSettings settings;
  settings.batch_size = 2;
  settings.events_retention_period_seconds = 10 * 3600;
  settings.event_retention_overrides = {{"beat", 3600}, {"capped", 100 * 3600}};
  for (int i = 0; i < 5; ++i) f.event("any", kNow - hours(11));  // past the period
  f.event("any", kNow - hours(9));
  for (int i = 0; i < 3; ++i) f.event("beat", kNow - hours(2));  // past its override
  f.event("beat", kNow - std::chrono::minutes(30));
  f.event("capped", kNow - hours(11));  // its override is capped to the period
  f.event("capped", kNow - hours(9));
  DbVacuum vacuum(DbVacuum::Pass::kEvents, settings, f.tmp.db(), f.clock);
  EXPECT_EQ(vacuum.name(), "db-vacuum-events");
  EXPECT_EQ(vacuum.interval(), std::chrono::seconds(3600));
  vacuum.run_once();
  EXPECT_EQ(vacuum.last_counts().events, 9);
  EXPECT_EQ(vacuum.last_counts().event_resources, 9);
  EXPECT_EQ(f.count("SELECT count(*) FROM event"), 3);
  EXPECT_EQ(f.count("SELECT count(*) FROM event_resource"), 3);
  vacuum.run_once();
  EXPECT_EQ(vacuum.last_counts().events, 0);
}

// Verifies a flow-runs pass takes the old terminal runs with their logs and artifacts in
// batches, and the orphan pass takes rows of runs that no longer exist, repointing the
// artifact key whose latest artifact went; each on its own interval.
TEST(DbVacuum, FlowRunAndOrphanPasses) {
  Fixture f;
  config::DbVacuumSettings settings;
  settings.batch_size = 2;
  settings.retention_period_seconds = 2 * 3600;
  settings.orphan_cleanup_loop_seconds = 60;
  const std::string flow = core::new_uuid4(), old_us = std::to_string(core::to_micros(kNow - hours(3)));
  f.exec("INSERT INTO flow (id, created, updated, name) VALUES ('" + flow + "', 0, 0, 'f')");
  std::vector<std::string> old_runs;
  for (int i = 0; i < 3; ++i) {
    old_runs.push_back(core::new_uuid4());
    f.exec("INSERT INTO flow_run (id, created, updated, name, flow_id, state_type, end_time) VALUES ('" +
           old_runs.back() + "', 0, 0, 'r', '" + flow + "', 'COMPLETED', " + old_us + ")");
    for (int j = 0; j < 3; ++j) {
      f.exec("INSERT INTO log (id, created, updated, name, level, flow_run_id, message, timestamp) VALUES ('" +
             core::new_uuid4() + "', 0, 0, 'l', 20, '" + old_runs.back() + "', 'm', 0)");
    }
  }
  const std::string kept = core::new_uuid4();
  f.exec("INSERT INTO flow_run (id, created, updated, name, flow_id, state_type) VALUES ('" + kept + "', 0, 0, 'r', '" +
         flow + "', 'RUNNING')");
  f.exec("INSERT INTO artifact (id, created, updated, key, flow_run_id) VALUES ('a-kept', 1, 1, 'k', '" + kept + "')");
  f.exec("INSERT INTO artifact (id, created, updated, key, flow_run_id) VALUES ('a-old', 2, 2, 'k', '" + old_runs[0] +
         "')");
  f.exec("INSERT INTO artifact_collection (id, created, updated, key, latest_id) VALUES ('c', 2, 2, 'k', 'a-old')");
  const std::string missing = core::new_uuid4();
  f.exec("INSERT INTO log (id, created, updated, name, level, flow_run_id, message, timestamp) VALUES ('" +
         core::new_uuid4() + "', 0, 0, 'l', 20, '" + missing + "', 'm', 0)");

  DbVacuum runs(DbVacuum::Pass::kFlowRuns, settings, f.tmp.db(), f.clock);
  runs.run_once();
  EXPECT_EQ(runs.last_counts().flow_runs, 3);
  EXPECT_EQ(runs.last_counts().logs, 9);
  EXPECT_EQ(runs.last_counts().artifacts, 1);
  EXPECT_EQ(f.count("SELECT count(*) FROM flow_run"), 1);
  EXPECT_EQ(f.count("SELECT count(*) FROM log"), 1);  // the orphan's, for the orphan pass

  DbVacuum orphans(DbVacuum::Pass::kOrphans, settings, f.tmp.db(), f.clock);
  EXPECT_EQ(orphans.interval(), std::chrono::seconds(60));
  orphans.run_once();
  EXPECT_EQ(orphans.last_counts().logs, 1);
  EXPECT_EQ(orphans.last_counts().collections_repointed, 1);
  EXPECT_EQ(f.count("SELECT count(*) FROM log"), 0);
  EXPECT_EQ(f.count("SELECT count(*) FROM artifact_collection WHERE latest_id = 'a-kept'"), 1);
}

}  // namespace
}  // namespace praetor::services
