#include "store/task_run_rollup.h"

#include <gtest/gtest.h>

#include <random>

#include "api/filter_registry.h"
#include "api/task_run_rollup_filter.h"
#include "core/uuid.h"
#include "store/task_run_repository.h"
#include "store/test_database.h"
#include "store/vacuum_repository.h"

namespace praetor::store {
namespace {

namespace json = boost::json;
using api::compile_filter_body;
using api::FilterRoot;
using core::Timestamp;

const Timestamp kBase = *core::parse_timestamp("2026-06-01T00:00:00Z");
const Timestamp kNow = kBase + std::chrono::hours(3);
const char* kTypes[] = {"COMPLETED", "FAILED", "RUNNING", "SCHEDULED", "PENDING", "CANCELLED", "CRASHED"};

std::string us(Timestamp t) { return std::to_string(core::to_micros(t)); }
std::string iso(Timestamp t) { return core::format_timestamp(t); }

// Task runs written as raw SQL (the triggers reach every writer), and the two answers
// compared: the rollup's and the plain query's.
class Rollup : public ::testing::Test {
 protected:
  void exec(const std::string& sql) {
    auto r = t_.db().write<bool>([&](Connection& c) -> core::Result<bool> {
      c.exec(sql);
      return true;
    });
    ASSERT_TRUE(r) << r.error().message;
  }
  bool sqlite() {
    return *t_.db().read<bool>([](Connection& c) -> core::Result<bool> { return c.dialect() == Dialect::kSqlite; });
  }
  // A flow run expected `minutes` (and a few seconds) after kBase, or without an expected time.
  std::string flow_run(const std::string& id, std::optional<int> minutes = 0) {
    exec("INSERT INTO flow_run (id, created, updated, name, flow_id, state_type, expected_start_time) VALUES ('" + id +
         "', 0, 0, 'r', '" + flow_ + "', 'COMPLETED', " +
         (minutes ? us(kBase + std::chrono::seconds(*minutes * 60 + *minutes % 7)) : "NULL") + ")");
    return id;
  }
  // A task run of `flow_run_id` (or none) with times drawn from `rng` within ~2 hours of kBase.
  std::string task_run(std::mt19937& rng, const std::optional<std::string>& flow_run_id) {
    std::string id = core::new_uuid4();
    auto at = [&](int spread_s) { return kBase + std::chrono::microseconds(int64_t(rng() % spread_s) * 1'000'003); };
    const char* type = kTypes[rng() % 7];
    bool started = std::string(type) != "SCHEDULED" && std::string(type) != "PENDING" ? rng() % 5 != 0 : false;
    Timestamp expected = at(7200);
    Timestamp start = expected + std::chrono::microseconds(int64_t(rng() % 90) * 1'000'000 - 10'000'000);
    exec("INSERT INTO task_run (id, created, updated, name, flow_run_id, task_key, dynamic_key, state_type, "
         "state_name, state_timestamp, expected_start_time, start_time, total_run_time) VALUES ('" +
         id + "', 0, 0, 't', " + (flow_run_id ? "'" + *flow_run_id + "'" : "NULL") + ", 'k', '" + id + "', '" + type +
         "', '" + type + "x', " + us(start) + ", " + (rng() % 20 ? us(expected) : "NULL") + ", " +
         (started ? us(start) : "NULL") + ", " + std::to_string(double(rng() % 1000) / 7.0) + ")");
    return id;
  }

  // The rollup table against the rows it sums (the migration's view).
  void expect_table_matches_rows() {
    if (!sqlite()) return;
    auto r = t_.db().read<int64_t>([](Connection& c) -> core::Result<int64_t> {
      auto& st = c.prepare(
          "SELECT COUNT(*) FROM (SELECT expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, "
          "ROUND(run_time, 6), ROUND(lateness, 6) FROM task_run_rollup WHERE runs <> 0 EXCEPT SELECT expected_minute, "
          "start_minute, state_type, state_name, flow_run_minute, runs, ROUND(run_time, 6), ROUND(lateness, 6) FROM "
          "task_run_rollup_source) AS a");
      st.step();
      int64_t differ = st.column_int(0);
      st.reset();
      auto& n = c.prepare("SELECT (SELECT COUNT(*) FROM task_run_rollup WHERE runs <> 0), "
                          "(SELECT COUNT(*) FROM task_run_rollup_source)");
      n.step();
      differ += std::abs(n.column_int(0) - n.column_int(1));
      n.reset();
      return differ;
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0) << "rollup cells differ from the rows";
  }

  // Count and history bodies of the shapes the UI sends, over windows drawn from `rng`; the
  // rollup's answer (SQLite) equals the plain query's; on PostgreSQL the rollup declines.
  void expect_answers_match(std::mt19937& rng, int samples) {
    for (int i = 0; i < samples; ++i) {
      Timestamp a = kBase + std::chrono::microseconds(int64_t(rng() % 7200) * 999'983 - 600'000'000);
      Timestamp b = a + std::chrono::microseconds(int64_t(rng() % 5400) * 1'000'037);
      json::object task_runs;
      if (rng() % 4) task_runs["start_time"] = json::object{{"after_", iso(a)}, {"before_", iso(b)}};
      if (rng() % 2) task_runs["state"] = json::object{{"type", json::object{{"any_", json::array{kTypes[rng() % 7], kTypes[rng() % 7]}}}}};
      if (rng() % 3 == 0) task_runs["subflow_runs"] = json::object{{"exists_", false}};
      json::object body{{"task_runs", task_runs}};
      Timestamp fa = kBase + std::chrono::microseconds(int64_t(rng() % 7200) * 1'000'211 - 300'000'000);
      Timestamp fb = fa + std::chrono::microseconds(int64_t(rng() % 3600) * 1'000'003);
      switch (rng() % 4) {
        case 0: body["flow_runs"] = json::object{}; break;
        case 1: body["flow_runs"] = json::object{{"expected_start_time", json::object{{"after_", iso(fa)}, {"before_", iso(fb)}}}}; break;
        case 2: body["flow_runs"] = json::object{{"expected_start_time", json::object{{"after_", iso(fa)}}}}; break;
        default: break;
      }
      auto filter = api::rollup_filter(body);
      ASSERT_TRUE(filter) << json::serialize(body);
      auto where = compile_filter_body(body, FilterRoot::kTaskRun);
      ASSERT_TRUE(where);
      const int64_t interval = int64_t(rng() % 3000 + 1) * 1'000'001;
      const int64_t buckets = rng() % 20 + 1;
      auto r = t_.db().read<bool>([&](Connection& c) -> core::Result<bool> {
        auto fast = task_run_rollup::count(c, *filter);
        auto fast_history = task_run_rollup::history(c, *filter, a, interval, buckets, kNow);
        if (c.dialect() != Dialect::kSqlite) {
          EXPECT_FALSE(fast);
          EXPECT_FALSE(fast_history);
          return true;
        }
        EXPECT_TRUE(fast);
        if (fast) {
          EXPECT_EQ(*fast, task_runs::count(c, *where)) << json::serialize(body);
        }
        auto plain = history::run_history(c, history::RunTable::kTaskRun, *where, a, interval, buckets, kNow);
        EXPECT_TRUE(fast_history);
        if (!fast_history) return true;
        EXPECT_EQ(fast_history->size(), plain.size()) << json::serialize(body);
        for (size_t k = 0; k < std::min(plain.size(), fast_history->size()); ++k) {
          const auto &p = plain[k], &q = (*fast_history)[k];
          EXPECT_EQ(std::tie(p.bucket, p.state_type, p.state_name, p.count),
                    std::tie(q.bucket, q.state_type, q.state_name, q.count))
              << json::serialize(body);
          EXPECT_NEAR(p.sum_estimated_run_time, q.sum_estimated_run_time, 1e-6);
          EXPECT_NEAR(p.sum_estimated_lateness, q.sum_estimated_lateness, 1e-6);
        }
        // A page in EXPECTED_START_TIME_DESC order: bounded by the rollup's range, the same
        // expected start times in the same order (ties may list their runs differently).
        const int64_t limit = rng() % 30 + 1, offset = rng() % 3 ? 0 : rng() % 40;
        if (auto range = task_run_rollup::page_range(c, *filter, offset + limit)) {
          SqlCondition bounded{"(" + where->sql + ") AND (" + range->sql + ")", where->params};
          bounded.params.insert(bounded.params.end(), range->params.begin(), range->params.end());
          const std::string order = "ORDER BY task_run.expected_start_time DESC";
          auto times = [](const std::vector<core::TaskRun>& runs) {
            std::vector<std::optional<Timestamp>> out;
            for (const auto& r : runs) out.push_back(r.expected_start_time);
            return out;
          };
          EXPECT_EQ(times(task_runs::list(c, bounded, order, limit, offset)),
                    times(task_runs::list(c, *where, order, limit, offset)))
              << json::serialize(body);
          ++bounded_pages_;
        }
        return true;
      });
      ASSERT_TRUE(r);
    }
  }

  int bounded_pages_ = 0;  // pages the rollup bounded (the test's bodies must reach some)
  testing::TempDatabase t_;
  std::string flow_ = core::new_uuid4();
  void SetUp() override { exec("INSERT INTO flow (id, created, updated, name) VALUES ('" + flow_ + "', 0, 0, 'f')"); }
};

// Verifies inserts, state changes and deletes of task runs, and flow runs stored before and
// after their task runs (and deleted), keep the rollup equal to its rows and its answers equal
// to the plain queries'.
TEST_F(Rollup, InsertStateChangeDeleteKeepAnswersExact) {
  std::mt19937 rng(7);
  std::vector<std::string> runs, tasks;
  for (int i = 0; i < 20; ++i) {
    runs.push_back(flow_run(core::new_uuid4(), i == 5 ? std::optional<int>() : std::optional<int>(i * 6)));
  }
  std::string late_parent = core::new_uuid4();  // its task runs arrive before it
  for (int i = 0; i < 400; ++i) {
    tasks.push_back(task_run(rng, i % 7 == 0 ? std::optional<std::string>() : i % 11 == 0 ? late_parent : runs[i % 20]));
  }
  expect_table_matches_rows();
  expect_answers_match(rng, 40);
  flow_run(late_parent, 37);
  exec("UPDATE flow_run SET expected_start_time = expected_start_time + 95000000 WHERE id IN ('" + runs[1] + "', '" +
       runs[2] + "')");  // rescheduled: their task runs' cells move
  exec("UPDATE flow_run SET expected_start_time = expected_start_time + 1 WHERE id = '" + runs[4] + "'");
  for (int i = 0; i < 150; ++i) {  // state changes: started, finished, renamed
    const std::string& id = tasks[rng() % tasks.size()];
    exec("UPDATE task_run SET state_type = '" + std::string(kTypes[rng() % 7]) + "', state_name = 'n" +
         std::to_string(rng() % 3) + "', start_time = COALESCE(start_time, expected_start_time), total_run_time = " +
         std::to_string(rng() % 500) + " WHERE id = '" + id + "'");
  }
  exec("UPDATE task_run SET name = 'renamed'");  // no watched column: the rollup is untouched
  expect_table_matches_rows();
  expect_answers_match(rng, 40);
  for (int i = 0; i < 100; ++i) exec("DELETE FROM task_run WHERE id = '" + tasks[rng() % tasks.size()] + "'");
  exec("DELETE FROM flow_run WHERE id = '" + runs[3] + "'");
  exec("DELETE FROM flow_run WHERE id = '" + late_parent + "'");
  expect_table_matches_rows();
  expect_answers_match(rng, 40);
  if (sqlite()) EXPECT_GT(bounded_pages_, 10);
}

// Verifies the retention vacuum (flow runs and their task runs deleted) keeps the rollup exact.
TEST_F(Rollup, VacuumKeepsAnswersExact) {
  std::mt19937 rng(11);
  for (int i = 0; i < 10; ++i) {
    std::string run = flow_run(core::new_uuid4());
    exec("UPDATE flow_run SET end_time = " + us(kBase) + " WHERE id = '" + run + "'");
    for (int k = 0; k < 20; ++k) task_run(rng, run);
  }
  auto deleted = t_.db().write<std::vector<std::string>>([](Connection& c) -> core::Result<std::vector<std::string>> {
    return vacuum::delete_old_flow_runs(c, kNow, 5);
  });
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->size(), 5u);
  expect_table_matches_rows();
  expect_answers_match(rng, 30);
}

// Verifies task runs imported from another server (task_runs::insert_many) are in the rollup.
TEST_F(Rollup, ImportKeepsAnswersExact) {
  std::mt19937 rng(13);
  std::string run = flow_run(core::new_uuid4());
  std::vector<task_runs::WithHistory> imported(30);
  std::vector<const task_runs::WithHistory*> batch;
  for (size_t i = 0; i < imported.size(); ++i) {
    auto& w = imported[i];
    w.run.id = core::new_uuid4();
    w.run.created = w.run.updated = kBase;
    w.run.name = "t";
    w.run.flow_run_id = run;
    w.run.task_key = "k";
    w.run.dynamic_key = std::to_string(i);
    w.run.expected_start_time = kBase + std::chrono::seconds(rng() % 3600);
    w.run.start_time = *w.run.expected_start_time + std::chrono::seconds(rng() % 100);
    w.run.total_run_time = std::chrono::microseconds(rng() % 9'000'000);
    core::State s;
    s.id = core::new_uuid4();
    s.type = i % 3 ? core::StateType::kCompleted : core::StateType::kFailed;
    s.name = i % 3 ? "Completed" : "Failed";
    s.timestamp = *w.run.start_time;
    w.states.push_back(s);
    w.state_id = s.id;
    batch.push_back(&w);
  }
  auto ids = t_.db().write<std::set<std::string>>(
      [&](Connection& c) -> core::Result<std::set<std::string>> { return task_runs::insert_many(c, batch); });
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->size(), imported.size());
  expect_table_matches_rows();
  expect_answers_match(rng, 30);
}

// Verifies filters the rollup does not hold are declined (the caller runs its plain query).
TEST(RollupShapes, OnlyTheUiShapesAreRecognised) {
  auto shape = [](const char* body) { return api::rollup_filter(json::parse(body).as_object()).has_value(); };
  EXPECT_TRUE(shape("{}"));
  EXPECT_TRUE(shape(R"({"task_runs": {"start_time": {"after_": "2026-01-01T00:00:00Z"}, "state": {"type": {"any_": ["COMPLETED"]}}}})"));
  EXPECT_TRUE(shape(R"({"history_start": "x", "flow_runs": {}, "task_runs": {"subflow_runs": {"exists_": false}}})"));
  EXPECT_TRUE(shape(R"({"sort": "EXPECTED_START_TIME_DESC", "flow_runs": {"expected_start_time": {"after_": "2026-01-01T00:00:00Z"}}})"));
  EXPECT_FALSE(shape(R"({"flow_runs": {"start_time": {"after_": "2026-01-01T00:00:00Z"}}})"));
  EXPECT_FALSE(shape(R"({"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}})"));
  EXPECT_FALSE(shape(R"({"task_runs": {"name": {"any_": ["a"]}}})"));
  EXPECT_FALSE(shape(R"({"task_runs": {"subflow_runs": {"exists_": true}}})"));
  EXPECT_FALSE(shape(R"({"task_runs": {"operator": "or_", "state": {"type": {"any_": ["FAILED"]}}}})"));
  EXPECT_FALSE(shape(R"({"task_runs": {"start_time": {"is_null_": true}}})"));
  EXPECT_FALSE(shape(R"({"deployments": {}})"));
}

}  // namespace
}  // namespace praetor::store
