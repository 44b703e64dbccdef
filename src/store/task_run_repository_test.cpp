#include "store/task_run_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;
using core::Timestamp;

Timestamp at(const char* text) { return *core::parse_timestamp(text); }

core::TaskRun make_run(std::optional<std::string> flow_run_id, const std::string& key = "k") {
  core::TaskRun t;
  t.id = core::new_uuid4();
  t.created = t.updated = at("2026-01-01T00:00:00Z");
  t.name = "task-1";
  t.flow_run_id = std::move(flow_run_id);
  t.task_key = key;
  t.dynamic_key = "0";
  return t;
}

core::State make_state(core::StateType type, const char* when, std::string id = core::new_uuid7()) {
  core::State s;
  s.id = std::move(id);
  s.type = type;
  s.name = core::default_state_name(type);
  s.timestamp = at(when);
  return s;
}

template <class T>
T write(testing::TempDatabase& t, const std::function<T(Connection&)>& fn) {
  auto r = t.db().write<T>([&](Connection& c) -> core::Result<T> { return fn(c); });
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

// Verifies POST /task_runs/ get-or-create on the natural key, with and without a flow run.
TEST(TaskRunRepository, GetOrCreateOnNaturalKey) {
  testing::TempDatabase t;
  std::string flow_run = core::new_uuid4();
  for (std::optional<std::string> fr : {std::optional<std::string>(flow_run), std::optional<std::string>()}) {
    auto first = write<task_runs::CreateResult>(t, [&](Connection& c) { return task_runs::get_or_create(c, make_run(fr)); });
    auto second = write<task_runs::CreateResult>(t, [&](Connection& c) { return task_runs::get_or_create(c, make_run(fr)); });
    EXPECT_TRUE(first.created);
    EXPECT_FALSE(second.created);
    EXPECT_EQ(second.run.id, first.run.id);
  }
  // A client-minted id that is already taken by another natural key is a conflict.
  auto taken = make_run(flow_run, "other");
  taken.id = write<task_runs::CreateResult>(t, [&](Connection& c) { return task_runs::get_or_create(c, make_run(flow_run)); }).run.id;
  auto r = t.db().write<task_runs::CreateResult>(
      [&](Connection& c) -> core::Result<task_runs::CreateResult> { return task_runs::get_or_create(c, taken); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kConflict);
}

// Verifies a state and the run's bookkeeping are saved together and read back, and the
// history lists states oldest first; delete removes the states too.
TEST(TaskRunRepository, SaveStateReadListDelete) {
  testing::TempDatabase t;
  auto run = write<task_runs::CreateResult>(t, [&](Connection& c) { return task_runs::get_or_create(c, make_run(std::nullopt)); }).run;
  auto running = make_state(core::StateType::kRunning, "2026-01-01T00:00:02Z");
  auto pending = make_state(core::StateType::kPending, "2026-01-01T00:00:01Z");
  pending.data = json::parse(R"({"type":"unpersisted"})");
  run.run_count = 1;
  run.start_time = running.timestamp;
  run.total_run_time = std::chrono::microseconds(1500);
  write<bool>(t, [&](Connection& c) {
    task_runs::save_state(c, run, pending, at("2026-01-01T00:00:01Z"));
    task_runs::save_state(c, run, running, at("2026-01-01T00:00:02Z"));
    return true;
  });
  auto read = t.db().read<std::optional<core::TaskRun>>(
      [&](Connection& c) -> core::Result<std::optional<core::TaskRun>> { return task_runs::read(c, run.id); });
  ASSERT_TRUE(read && *read);
  const core::TaskRun& r = **read;
  ASSERT_TRUE(r.state);
  EXPECT_EQ(r.state->id, running.id);
  EXPECT_EQ(r.run_count, 1);
  EXPECT_EQ(r.start_time, running.timestamp);
  EXPECT_EQ(r.total_run_time, std::chrono::microseconds(1500));
  auto states = t.db().read<std::vector<core::State>>(
      [&](Connection& c) -> core::Result<std::vector<core::State>> { return task_runs::list_states(c, run.id); });
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ((*states)[0].id, pending.id);
  EXPECT_EQ((*states)[0].data, json::parse(R"({"type":"unpersisted"})"));
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return task_runs::update(c, run.id, std::string("renamed"), at("2026-01-01T00:00:03Z")); }));
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return task_runs::remove(c, run.id); }));
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) { return task_runs::remove(c, run.id); }));
  auto gone = t.db().read<std::optional<core::State>>(
      [&](Connection& c) -> core::Result<std::optional<core::State>> { return task_runs::read_state(c, pending.id); });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

task_runs::RecordedTaskRun recorded(const std::string& id, const std::string& flow_run_id, core::StateType type,
                                    const char* when, int64_t run_count) {
  task_runs::RecordedTaskRun r;
  r.run = make_run(flow_run_id);
  r.run.id = id;
  r.run.run_count = run_count;
  r.present = {"name", "task_key", "dynamic_key", "run_count"};
  r.state = make_state(type, when);
  return r;
}

// Verifies the recorder's upsert: a newer event moves the row forward, an older or
// duplicate one only adds (or ignores) its state row.
TEST(TaskRunRepository, RecordIsOrderIndependent) {
  testing::TempDatabase t;
  std::string id = core::new_uuid7();
  std::string flow_run = core::new_uuid4();
  auto pending = recorded(id, flow_run, core::StateType::kPending, "2026-01-01T00:00:01Z", 0);
  auto running = recorded(id, flow_run, core::StateType::kRunning, "2026-01-01T00:00:02Z", 1);
  auto completed = recorded(id, flow_run, core::StateType::kCompleted, "2026-01-01T00:00:03Z", 1);
  Timestamp now = at("2026-01-01T00:00:04Z");
  for (const auto* r : {&completed, &pending, &running, &completed}) {
    write<task_runs::RecordOutcome>(t, [&](Connection& c) { return task_runs::record(c, *r, now); });
  }
  auto again = write<task_runs::RecordOutcome>(t, [&](Connection& c) { return task_runs::record(c, running, now); });
  EXPECT_FALSE(again.run_written);
  EXPECT_FALSE(again.state_inserted);
  auto run = t.db().read<std::optional<core::TaskRun>>(
      [&](Connection& c) -> core::Result<std::optional<core::TaskRun>> { return task_runs::read(c, id); });
  ASSERT_TRUE(run && *run && (*run)->state);
  EXPECT_EQ((*run)->state->type, core::StateType::kCompleted);
  EXPECT_EQ((*run)->state->id, completed.state.id);
  EXPECT_EQ((*run)->run_count, 1);
  EXPECT_EQ((*run)->state->state_details.at("task_run_id"), json::value(id));
  auto states = t.db().read<std::vector<core::State>>(
      [&](Connection& c) -> core::Result<std::vector<core::State>> { return task_runs::list_states(c, id); });
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 3u);
  EXPECT_EQ((*states)[0].type, core::StateType::kPending);
  EXPECT_EQ((*states)[2].type, core::StateType::kCompleted);
}

// Verifies an event for a run created over REST (same natural key, other id) updates that
// run and attaches its state to it.
TEST(TaskRunRepository, RecordMatchesNaturalKeyFirst) {
  testing::TempDatabase t;
  std::string flow_run = core::new_uuid4();
  auto created = write<task_runs::CreateResult>(t, [&](Connection& c) { return task_runs::get_or_create(c, make_run(flow_run)); }).run;
  auto event = recorded(core::new_uuid7(), flow_run, core::StateType::kRunning, "2026-01-01T00:00:02Z", 1);
  auto outcome = write<task_runs::RecordOutcome>(t, [&](Connection& c) { return task_runs::record(c, event, at("2026-01-01T00:00:03Z")); });
  EXPECT_EQ(outcome.task_run_id, created.id);
  EXPECT_TRUE(outcome.run_written);
  auto run = t.db().read<std::optional<core::TaskRun>>(
      [&](Connection& c) -> core::Result<std::optional<core::TaskRun>> { return task_runs::read(c, created.id); });
  ASSERT_TRUE(run && *run && (*run)->state);
  EXPECT_EQ((*run)->state->type, core::StateType::kRunning);
}

}  // namespace
}  // namespace praetor::store
