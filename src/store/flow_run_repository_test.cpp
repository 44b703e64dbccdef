#include "store/flow_run_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "core/flow.h"
#include "store/flow_repository.h"
#include "store/sql_conditions.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;
using core::Timestamp;

Timestamp at(const char* text) { return *core::parse_timestamp(text); }

class FlowRunRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = core::new_flow("flow-" + core::new_uuid4(), at("2026-01-01T00:00:00Z"));
    auto r = t_.db().write<flows::CreateResult>(
        [&](Connection& c) -> core::Result<flows::CreateResult> { return flows::get_or_create(c, f); });
    flow_id_ = r->flow.at("id").as_string();
  }

  core::FlowRun make_run(std::optional<std::string> key = std::nullopt) {
    core::FlowRun run;
    run.id = core::new_uuid4();
    run.created = run.updated = at("2026-01-01T00:00:00Z");
    run.name = "crimson-wolf";
    run.flow_id = flow_id_;
    run.idempotency_key = std::move(key);
    run.labels = json::object{{"a", "1"}};
    run.empirical_policy.retries = 2;
    return run;
  }

  flow_runs::CreateResult create(const core::FlowRun& run) {
    return *t_.db().write<flow_runs::CreateResult>(
        [&](Connection& c) -> core::Result<flow_runs::CreateResult> { return flow_runs::create(c, run); });
  }

  std::optional<core::FlowRun> read(const std::string& id) {
    return *t_.db().read<std::optional<core::FlowRun>>(
        [&](Connection& c) -> core::Result<std::optional<core::FlowRun>> { return flow_runs::read(c, id); });
  }

  core::State make_state(core::StateType type, const char* ts) {
    core::State s;
    s.id = core::new_uuid7();
    s.type = type;
    s.name = core::default_state_name(type);
    s.timestamp = at(ts);
    s.state_details = json::object{{"transition_id", core::new_uuid4()}};
    return s;
  }

  testing::TempDatabase t_;
  std::string flow_id_;
};

// Verifies create/read round-trips every stored field.
TEST_F(FlowRunRepositoryTest, CreateAndRead) {
  auto run = make_run();
  run.parameters = json::object{{"x", 1}};
  run.tags = {"t"};
  EXPECT_TRUE(create(run).created);
  auto back = read(run.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "crimson-wolf");
  EXPECT_EQ(back->parameters, run.parameters);
  EXPECT_EQ(back->tags, run.tags);
  EXPECT_EQ(back->empirical_policy.retries, 2);
  EXPECT_FALSE(back->state);
  EXPECT_FALSE(read(core::new_uuid4()));
}

// Verifies POST /flow_runs/ idempotency: same (flow_id, key) returns the first run.
TEST_F(FlowRunRepositoryTest, IdempotencyKey) {
  auto first = make_run("k1");
  EXPECT_TRUE(create(first).created);
  auto again = create(make_run("k1"));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.run.id, first.id);
  EXPECT_TRUE(create(make_run("k2")).created);
  EXPECT_TRUE(create(make_run()).created);
  EXPECT_TRUE(create(make_run()).created);
}

// Verifies an unknown flow id is a constraint failure (409), not a crash.
TEST_F(FlowRunRepositoryTest, UnknownFlowIsConflict) {
  auto run = make_run();
  run.flow_id = core::new_uuid4();
  auto r = t_.db().write<flow_runs::CreateResult>(
      [&](Connection& c) -> core::Result<flow_runs::CreateResult> { return flow_runs::create(c, run); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kConflict);
}

// Verifies states are written with the run's bookkeeping and listed in time order.
TEST_F(FlowRunRepositoryTest, StatesAndBookkeeping) {
  auto run = make_run();
  create(run);
  auto pending = make_state(core::StateType::kPending, "2026-01-01T00:00:01Z");
  auto running = make_state(core::StateType::kRunning, "2026-01-01T00:00:02Z");
  const core::FlowRun stored = run;
  auto st = t_.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    run.state_id = running.id;
    run.state_type = running.type;
    run.state_name = running.name;
    run.state_timestamp = running.timestamp;
    run.run_count = 1;
    run.start_time = running.timestamp;
    run.total_run_time = std::chrono::milliseconds(1500);
    flow_runs::write_state(c, stored, run, running, running.timestamp);
    flow_runs::write_state(c, run, run, pending, running.timestamp);  // older timestamp, listed first
    run.state_id = running.id;
    flow_runs::write_bookkeeping(c, run, run, running.timestamp);
    return core::Ok{};
  });
  ASSERT_TRUE(st);
  auto back = read(run.id);
  ASSERT_TRUE(back && back->state);
  EXPECT_EQ(back->state->id, running.id);
  EXPECT_EQ(back->run_count, 1);
  EXPECT_EQ(back->start_time, running.timestamp);
  EXPECT_EQ(back->state_type, core::StateType::kRunning);
  EXPECT_EQ(back->total_run_time, std::chrono::milliseconds(1500));
  EXPECT_EQ(back->state->state_details, running.state_details);
  auto states = *t_.db().read<std::vector<core::State>>(
      [&](Connection& c) -> core::Result<std::vector<core::State>> { return flow_runs::list_states(c, run.id); });
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].id, pending.id);
  auto taken = *t_.db().read<std::vector<Timestamp>>([&](Connection& c) -> core::Result<std::vector<Timestamp>> {
    return flow_runs::state_timestamps_from(c, run.id, at("2026-01-01T00:00:02Z"));
  });
  EXPECT_EQ(taken, std::vector<Timestamp>{running.timestamp});
}

// Verifies list/count apply a compiled filter and sort, joining each run's state.
TEST_F(FlowRunRepositoryTest, ListAndCount) {
  auto a = make_run();
  a.name = "alpha";
  auto b = make_run();
  b.name = "beta";
  b.parent_task_run_id = "0b9f6b0e-1111-4222-8333-444455556666";
  create(a);
  create(b);
  SqlCondition where = sql::in_list("flow_run.parent_task_run_id", {"0b9f6b0e-1111-4222-8333-444455556666"});
  auto runs = *t_.db().read<std::vector<core::FlowRun>>([&](Connection& c) -> core::Result<std::vector<core::FlowRun>> {
    return flow_runs::list(c, where, "ORDER BY flow_run.id DESC", 10, 0);
  });
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, "beta");
  auto all = *t_.db().read<int64_t>(
      [&](Connection& c) -> core::Result<int64_t> { return flow_runs::count(c, SqlCondition{}); });
  EXPECT_EQ(all, 2);
}

// Verifies a page in START_TIME order (either direction) of an expected-start window, with
// start_order_range ANDed onto its filter, holds the same runs in the same order as the plain
// query: over runs without a start time, started on time, a little late, days late, hours
// early, and without an expected start; for windows open at either end, empty, narrower than
// the runs' spacing and wider than all of them; at several offsets and limits. Every order key
// is distinct (the plain sort leaves ties in no defined order).
TEST_F(FlowRunRepositoryTest, StartOrderRangeKeepsEveryPage) {
  constexpr int64_t kMinute = 60'000'000;
  const int64_t t0 = core::to_micros(at("2026-03-01T00:00:00Z"));
  constexpr int kRuns = 600;
  std::vector<flow_runs::WithHistory> runs;
  for (int i = 0; i < kRuns; ++i) {
    auto run = make_run();
    // Ten minutes apart; keys stay distinct: every key ≡ i (mod 1000) µs.
    const int64_t expected = t0 + i * 10 * kMinute + i;
    // Its start by i % 7: none; on time; under an hour late; days late; hours early; 59 minutes
    // early (within the hour); 61 minutes late (beyond it).
    const std::optional<int64_t> offsets[] = {std::nullopt,
                                              0,
                                              (i % 50) * kMinute + 1000,
                                              (1 + i % 3) * 24 * 60 * kMinute,
                                              -(2 + i % 20) * 60 * kMinute,
                                              -59 * kMinute,
                                              61 * kMinute};
    std::optional<int64_t> start;
    if (auto offset = offsets[i % 7]) start = expected + *offset;
    if (i % 97 == 0) {
      run.expected_start_time = std::nullopt;  // no expected start: in no window
      start = expected;
    } else {
      run.expected_start_time = core::from_micros(expected);
    }
    if (start) run.start_time = core::from_micros(*start);
    runs.push_back({run, {}});
  }
  std::vector<const flow_runs::WithHistory*> rows;
  for (const auto& r : runs) rows.push_back(&r);
  ASSERT_EQ(t_.db().write<std::set<std::string>>([&](Connection& c) -> core::Result<std::set<std::string>> {
              return flow_runs::insert_many(c, rows);  // the times as given (create() sets none)
            })->size(),
            static_cast<size_t>(kRuns));
  const int64_t span = kRuns * 10 * kMinute;
  std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> windows = {
      {t0 - 24 * 60 * kMinute, t0 + span + 24 * 60 * kMinute},  // everything
      {std::nullopt, t0 + span / 2},
      {t0 + span / 3, std::nullopt},
      {t0 + 100 * 10 * kMinute + 100, t0 + 100 * 10 * kMinute + 100},  // exactly one run's expected start
      {t0 + 5 * kMinute, t0 + 6 * kMinute},                            // between two runs
      {t0 + span / 2, t0 + span / 4},                                  // empty: after > before
  };
  for (int i = 0; i < 40; ++i) {  // windows of 10 minutes to 3 days anywhere in (and past) the span
    const int64_t width = (10 + (i * 7919) % (3 * 24 * 60)) * kMinute;
    const int64_t end = t0 - 60 * kMinute + (int64_t{i} * 104729 * kMinute) % (span + 2 * 24 * 60 * kMinute);
    windows.emplace_back(end - width, end);
  }
  int bounded = 0;
  int widened = 0;
  for (const auto& [after, before] : windows) {
    // The window as the flow-run filter's expected_start_time compiles it.
    sql::Conditions parts;
    if (after) parts.add(sql::compare("flow_run.expected_start_time", ">=", *after));
    if (before) parts.add(sql::compare("flow_run.expected_start_time", "<=", *before));
    const std::optional<SqlCondition> where = std::move(parts).join();
    const std::string window = std::to_string(after.value_or(-1)) + ".." + std::to_string(before.value_or(-1));
    for (const char* direction : {"DESC", "ASC"}) {
      const std::optional<std::string> order =
          std::string("ORDER BY COALESCE(flow_run.start_time, flow_run.expected_start_time) ") + direction;
      const std::string sort_name = std::string("START_TIME_") + direction;
      for (auto [limit, offset] : {std::pair<int64_t, int64_t>{100, 0}, {1000, 0}, {5, 0}, {5, 7}, {50, 30}}) {
        auto ids = [&](Connection& c, const SqlCondition& w) {
          std::vector<std::string> out;
          for (const auto& run : flow_runs::list(c, w, *order, limit, offset)) out.push_back(run.id);
          return out;
        };
        // The plain query's page, and the bounded query's when there is a range.
        using Pages = std::pair<std::vector<std::string>, std::optional<std::vector<std::string>>>;
        auto pages = *t_.db().read<Pages>([&](Connection& c) -> core::Result<Pages> {
          auto range = flow_runs::start_order_range(c, after, before);
          if (c.dialect() == Dialect::kPostgres) EXPECT_FALSE(range);
          if (!range) return Pages{ids(c, *where), std::nullopt};
          // A range wider than the window by more than the hour: off-schedule runs widened it.
          const int64_t hour = 60 * kMinute;
          if (before && std::get<int64_t>(range->params.front()) > *before + hour) ++widened;
          if (after && std::get<int64_t>(range->params.back()) < *after - hour) ++widened;
          SqlCondition both{"(" + where->sql + ") AND (" + range->sql + ")", where->params};
          both.params.insert(both.params.end(), range->params.begin(), range->params.end());
          return Pages{ids(c, *where), ids(c, both)};
        });
        if (!pages.second) continue;
        ++bounded;
        EXPECT_EQ(*pages.second, pages.first) << sort_name << " window " << window << " limit " << limit
                                              << " offset " << offset;
      }
    }
  }
  if (t_.db().dialect() == Dialect::kSqlite) {
    EXPECT_GT(bounded, 100);                                     // many windows got a range,
    EXPECT_GT(widened, 0);                                       // some widened by off-schedule runs,
    EXPECT_LT(bounded, static_cast<int>(windows.size()) * 10);  // and some were refused (a days-late run)
  }
}

// Verifies update sets only given fields, label patches merge, delete removes children.
TEST_F(FlowRunRepositoryTest, UpdateLabelsDelete) {
  auto run = make_run();
  create(run);
  core::FlowRunUpdate u;
  u.name = "renamed";
  auto now = at("2026-01-02T00:00:00Z");
  auto w = [&](auto fn) { return *t_.db().write<bool>([&](Connection& c) -> core::Result<bool> { return fn(c); }); };
  EXPECT_TRUE(w([&](Connection& c) { return flow_runs::update(c, run.id, u, now); }));
  EXPECT_FALSE(w([&](Connection& c) { return flow_runs::update(c, core::new_uuid4(), u, now); }));
  EXPECT_TRUE(w([&](Connection& c) { return flow_runs::patch_labels(c, run.id, json::object{{"b", 2}}, now); }));
  EXPECT_FALSE(w([&](Connection& c) { return flow_runs::patch_labels(c, core::new_uuid4(), {}, now); }));
  auto back = read(run.id);
  EXPECT_EQ(back->name, "renamed");
  EXPECT_EQ(back->empirical_policy.retries, 2);
  EXPECT_EQ(back->labels, (json::object{{"a", "1"}, {"b", 2}}));
  EXPECT_EQ(back->updated, now);

  // A task run with a state and a log belonging to the run go with it.
  w([&](Connection& c) {
    c.exec("INSERT INTO task_run(id, created, updated, name, flow_run_id, task_key, dynamic_key) VALUES "
           "('t1', 0, 0, 'task', '" + run.id + "', 'k', '0')");
    c.exec("INSERT INTO task_run_state(id, task_run_id, created, type, name, timestamp) VALUES "
           "('s1', 't1', 0, 'RUNNING', 'Running', 0)");
    c.exec("INSERT INTO log(id, created, updated, name, level, flow_run_id, message, timestamp) VALUES "
           "('l1', 0, 0, 'x', 20, '" + run.id + "', 'm', 0)");
    return true;
  });
  EXPECT_TRUE(w([&](Connection& c) { return flow_runs::remove(c, run.id); }));
  EXPECT_FALSE(w([&](Connection& c) { return flow_runs::remove(c, run.id); }));
  auto count = *t_.db().read<int64_t>([&](Connection& c) -> core::Result<int64_t> {
    auto& st = c.prepare(
        "SELECT (SELECT count(*) FROM task_run) + (SELECT count(*) FROM task_run_state) + (SELECT count(*) FROM log)");
    st.step();
    auto n = st.column_int(0);
    st.reset();
    return n;
  });
  EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace praetor::store
