#include "api/metrics_routes.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "store/database.h"

namespace praetor::api {
namespace {

void add_flow_run(store::Database& db, const std::string& id, const char* state_type) {
  auto st = db.write<bool>([&](store::Connection& c) -> core::Result<bool> {
    c.exec("INSERT OR IGNORE INTO flow (id, created, updated, name) VALUES ('f', 0, 0, 'f')");
    auto& insert = c.prepare("INSERT INTO flow_run (id, created, updated, name, flow_id, state_type) "
                             "VALUES (?1, 0, 0, ?1, 'f', ?2)");
    insert.bind(1, id).bind(2, state_type).run();
    return true;
  });
  ASSERT_TRUE(st) << st.error().message;
}

// Verifies that the runs-by-state gauges count each state type (zero for the absent ones),
// and count again only once kFreshness has passed on the injected clock.
TEST(RunStateGauges, CountsByStateTypeAtMostOncePerInterval) {
  // A file: readers of ":memory:" would each see a database of their own.
  auto dir = std::filesystem::temp_directory_path() / ("praetor-metrics-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto db = store::Database::open((dir / "db.sqlite").string());
  ASSERT_TRUE(db) << db.error().message;
  core::ManualClock clock(core::from_micros(1'700'000'000'000'000));
  metrics::Registry registry;
  RunStateGauges gauges(**db, clock, registry);
  add_flow_run(**db, "a", "COMPLETED");
  add_flow_run(**db, "b", "COMPLETED");
  add_flow_run(**db, "c", "RUNNING");

  std::string first = registry.render();
  EXPECT_NE(first.find("praetor_flow_runs{state_type=\"COMPLETED\"} 2\n"), std::string::npos) << first;
  EXPECT_NE(first.find("praetor_flow_runs{state_type=\"RUNNING\"} 1\n"), std::string::npos);
  EXPECT_NE(first.find("praetor_flow_runs{state_type=\"FAILED\"} 0\n"), std::string::npos);
  EXPECT_NE(first.find("praetor_task_runs{state_type=\"PENDING\"} 0\n"), std::string::npos);
  EXPECT_NE(first.find("# TYPE praetor_flow_runs gauge\n"), std::string::npos);

  add_flow_run(**db, "d", "FAILED");
  clock.advance(std::chrono::seconds(5));
  EXPECT_NE(registry.render().find("praetor_flow_runs{state_type=\"FAILED\"} 0\n"), std::string::npos);
  clock.advance(RunStateGauges::kFreshness);
  EXPECT_NE(registry.render().find("praetor_flow_runs{state_type=\"FAILED\"} 1\n"), std::string::npos);
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace praetor::api
