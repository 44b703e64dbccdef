#include "store/vacuum_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

using core::Timestamp;
using std::chrono::hours;

const Timestamp kNow = *core::parse_timestamp("2026-06-01T00:00:00Z");

// Rows written as raw SQL: the vacuum reads and deletes them by column, whatever wrote them.
class Rows {
 public:
  explicit Rows(testing::TempDatabase& t) : t_(t) {
    exec("INSERT INTO flow (id, created, updated, name) VALUES ('" + flow_ + "', 0, 0, 'f')");
  }

  void exec(const std::string& sql) {
    auto r = t_.db().write<bool>([&](Connection& c) -> core::Result<bool> {
      c.exec(sql);
      return true;
    });
    if (!r) throw std::runtime_error(r.error().message);
  }
  int64_t count(const std::string& sql) {
    auto r = t_.db().read<int64_t>([&](Connection& c) -> core::Result<int64_t> {
      auto& st = c.prepare(sql);
      st.step();
      int64_t n = st.column_int(0);
      st.reset();
      return n;
    });
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }
  static std::string q(const std::optional<std::string>& s) { return s ? "'" + *s + "'" : "NULL"; }
  static std::string us(Timestamp t) { return std::to_string(core::to_micros(t)); }

  std::string event(const std::string& name, Timestamp occurred, int resources) {
    std::string id = core::new_uuid4();
    exec("INSERT INTO event (id, occurred, received, event, resource_id, doc) VALUES ('" + id + "', " + us(occurred) +
         ", " + us(occurred) + ", '" + name + "', 'r', '{}')");
    for (int i = 0; i < resources; ++i) {
      exec("INSERT INTO event_resource (event_id, occurred, resource_id, resource_role, resource) VALUES ('" + id +
           "', " + us(occurred) + ", 'r" + std::to_string(i) + "', '', '{}')");
    }
    return id;
  }
  // A flow run in `state_type` that ended at `end_time`, with a state row.
  std::string flow_run(const char* state_type, std::optional<Timestamp> end_time,
                       const std::optional<std::string>& parent_task_run = std::nullopt) {
    std::string id = core::new_uuid4();
    exec("INSERT INTO flow_run (id, created, updated, name, flow_id, state_type, end_time, parent_task_run_id) "
         "VALUES ('" + id + "', 0, 0, 'r', '" + flow_ + "', '" + state_type + "', " +
         (end_time ? us(*end_time) : "NULL") + ", " + q(parent_task_run) + ")");
    exec("INSERT INTO flow_run_state (id, flow_run_id, created, type, name, timestamp) VALUES ('" + core::new_uuid4() +
         "', '" + id + "', 0, '" + state_type + "', 's', 0)");
    exec("INSERT INTO flow_run_input (id, created, updated, flow_run_id, key, value) VALUES ('" + core::new_uuid4() +
         "', 0, 0, '" + id + "', 'k', '1')");
    return id;
  }
  std::string task_run(const std::string& flow_run_id) {
    std::string id = core::new_uuid4();
    exec("INSERT INTO task_run (id, created, updated, name, flow_run_id, task_key, dynamic_key) VALUES ('" + id +
         "', 0, 0, 't', '" + flow_run_id + "', 'k', '" + id + "')");
    exec("INSERT INTO task_run_state (id, task_run_id, created, type, name, timestamp) VALUES ('" +
         core::new_uuid4() + "', '" + id + "', 0, 'COMPLETED', 's', 0)");
    return id;
  }
  void log(const std::string& flow_run_id) {
    exec("INSERT INTO log (id, created, updated, name, level, flow_run_id, message, timestamp) VALUES ('" +
         core::new_uuid4() + "', 0, 0, 'l', 20, '" + flow_run_id + "', 'm', 0)");
  }
  std::string artifact(const std::string& flow_run_id, const std::optional<std::string>& key, int64_t created) {
    std::string id = core::new_uuid4();
    exec("INSERT INTO artifact (id, created, updated, key, type, data, flow_run_id) VALUES ('" + id + "', " +
         std::to_string(created) + ", " + std::to_string(created) + ", " + q(key) + ", 'markdown', '\"" + id +
         "\"', '" + flow_run_id + "')");
    return id;
  }
  void collection(const std::string& key, const std::string& latest_id) {
    exec("INSERT INTO artifact_collection (id, created, updated, key, latest_id) VALUES ('" + core::new_uuid4() +
         "', 0, 0, '" + key + "', '" + latest_id + "')");
  }

 private:
  testing::TempDatabase& t_;
  std::string flow_ = core::new_uuid4();
};

template <class T>
T write(testing::TempDatabase& t, const std::function<T(Connection&)>& fn) {
  auto r = t.db().write<T>([&](Connection& c) -> core::Result<T> { return fn(c); });
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

// Verifies events older than the cutoff go with their resources, in batches of at most the
// limit, and that an event type narrows the delete to that type.
TEST(VacuumRepository, DeletesOldEventsWithTheirResources) {
  testing::TempDatabase t;
  Rows rows(t);
  for (int i = 0; i < 5; ++i) rows.event("a", kNow - hours(10), 2);
  std::string beat = rows.event("prefect.flow-run.heartbeat", kNow - hours(3), 1);
  std::string fresh = rows.event("a", kNow - hours(1), 3);

  auto typed = write<vacuum::EventsDeleted>(t, [&](Connection& c) {
    return vacuum::delete_old_events(c, kNow - hours(2), std::string("prefect.flow-run.heartbeat"), 10);
  });
  EXPECT_EQ(typed.events, 1);
  EXPECT_EQ(typed.resources, 1);
  auto first = write<vacuum::EventsDeleted>(
      t, [&](Connection& c) { return vacuum::delete_old_events(c, kNow - hours(2), std::nullopt, 3); });
  EXPECT_EQ(first.events, 3);
  EXPECT_EQ(first.resources, 6);
  auto second = write<vacuum::EventsDeleted>(
      t, [&](Connection& c) { return vacuum::delete_old_events(c, kNow - hours(2), std::nullopt, 3); });
  EXPECT_EQ(second.events, 2);
  auto done = write<vacuum::EventsDeleted>(
      t, [&](Connection& c) { return vacuum::delete_old_events(c, kNow - hours(2), std::nullopt, 3); });
  EXPECT_EQ(done.events, 0);
  EXPECT_EQ(rows.count("SELECT count(*) FROM event"), 1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM event WHERE id = '" + fresh + "'"), 1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM event_resource"), 3);
  EXPECT_EQ(rows.count("SELECT count(*) FROM event WHERE id = '" + beat + "'"), 0);
}

// Verifies only top-level terminal runs that ended before the cutoff go, with their states,
// inputs and task runs (and theirs), lowest ids first; a subflow of a deleted run's task run
// becomes top-level and goes on a later call when it is old and terminal too; logs and
// artifacts stay for delete_rows_of_flow_runs.
TEST(VacuumRepository, DeletesOldTerminalTopLevelFlowRuns) {
  testing::TempDatabase t;
  Rows rows(t);
  std::string old_done = rows.flow_run("COMPLETED", kNow - hours(5));
  std::string old_failed = rows.flow_run("FAILED", kNow - hours(5));
  std::string recent = rows.flow_run("COMPLETED", kNow - hours(1));
  std::string running = rows.flow_run("RUNNING", kNow - hours(5));  // end_time of an earlier attempt
  std::string no_end = rows.flow_run("CANCELLED", std::nullopt);
  std::string task = rows.task_run(old_done);
  rows.task_run(old_done);
  std::string subflow = rows.flow_run("COMPLETED", kNow - hours(5), task);
  rows.log(old_done);
  rows.artifact(old_done, std::nullopt, 1);

  std::vector<std::string> deleted;
  for (int call = 0; call < 4; ++call) {
    auto ids = write<std::vector<std::string>>(
        t, [&](Connection& c) { return vacuum::delete_old_flow_runs(c, kNow - hours(2), 1); });
    ASSERT_LE(ids.size(), 1u);
    deleted.insert(deleted.end(), ids.begin(), ids.end());
  }
  ASSERT_EQ(deleted.size(), 3u);
  EXPECT_EQ(deleted[0], std::min(old_done, old_failed));  // the subflow is not top-level yet
  std::vector<std::string> expected = {old_done, old_failed, subflow};
  std::sort(expected.begin(), expected.end());
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, expected);
  EXPECT_EQ(rows.count("SELECT count(*) FROM flow_run"), 3);  // recent, running, no_end
  for (const auto& kept : {recent, running, no_end}) {
    EXPECT_EQ(rows.count("SELECT count(*) FROM flow_run WHERE id = '" + kept + "'"), 1);
  }
  EXPECT_EQ(rows.count("SELECT count(*) FROM flow_run_state"), 3);
  EXPECT_EQ(rows.count("SELECT count(*) FROM flow_run_input"), 3);
  EXPECT_EQ(rows.count("SELECT count(*) FROM task_run"), 0);
  EXPECT_EQ(rows.count("SELECT count(*) FROM task_run_state"), 0);
  EXPECT_EQ(rows.count("SELECT count(*) FROM log"), 1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM artifact"), 1);
}

// Verifies logs and artifacts of given runs go in batches of at most the limit, the cursor
// moving past each run as it empties; with only_if_run_missing, rows of an existing run stay.
TEST(VacuumRepository, DeletesRowsOfFlowRunsInBatches) {
  testing::TempDatabase t;
  Rows rows(t);
  std::string gone_a = core::new_uuid4(), gone_b = core::new_uuid4();
  std::string alive = rows.flow_run("RUNNING", std::nullopt);
  for (int i = 0; i < 3; ++i) rows.log(gone_a);
  for (int i = 0; i < 2; ++i) rows.log(gone_b);
  rows.log(alive);
  std::vector<std::string> ids = {gone_a, alive, gone_b};
  std::size_t next = 0;
  std::vector<int64_t> batches;
  while (next < ids.size()) {
    batches.push_back(write<int64_t>(t, [&](Connection& c) {
      return vacuum::delete_rows_of_flow_runs(c, vacuum::RunChild::kLog, ids, next, 2, true);
    }));
  }
  EXPECT_EQ(batches, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(rows.count("SELECT count(*) FROM log"), 1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM log WHERE flow_run_id = '" + alive + "'"), 1);

  rows.artifact(alive, std::nullopt, 1);
  std::vector<std::string> just_alive = {alive};
  next = 0;
  EXPECT_EQ(write<int64_t>(t, [&](Connection& c) {
              return vacuum::delete_rows_of_flow_runs(c, vacuum::RunChild::kArtifact, just_alive, next, 10, false);
            }),
            1);
  EXPECT_EQ(next, 1u);
}

// Verifies the orphan scan walks distinct flow_run_ids in order, a slice at a time, and
// names those without a flow run.
TEST(VacuumRepository, FindsRunsReferencedButMissing) {
  testing::TempDatabase t;
  Rows rows(t);
  std::string alive = rows.flow_run("RUNNING", std::nullopt);
  std::string gone = core::new_uuid4();
  rows.log(alive);
  rows.log(gone);
  rows.log(gone);
  auto read = [&](const std::function<std::vector<std::string>(Connection&)>& fn) {
    auto r = t.db().read<std::vector<std::string>>(
        [&](Connection& c) -> core::Result<std::vector<std::string>> { return fn(c); });
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  };
  std::vector<std::string> all = {alive, gone};
  std::sort(all.begin(), all.end());
  auto first = read([&](Connection& c) { return vacuum::referenced_flow_run_ids(c, vacuum::RunChild::kLog, "", 1); });
  EXPECT_EQ(first, std::vector<std::string>{all[0]});
  auto rest =
      read([&](Connection& c) { return vacuum::referenced_flow_run_ids(c, vacuum::RunChild::kLog, first.back(), 5); });
  EXPECT_EQ(rest, std::vector<std::string>{all[1]});
  EXPECT_EQ(read([&](Connection& c) { return vacuum::missing_flow_runs(c, all); }), std::vector<std::string>{gone});
}

// Verifies a collection whose latest artifact is gone points at the newest remaining
// artifact of its key (its fields copied), or goes when none is left; others are untouched.
TEST(VacuumRepository, ReconcilesStaleArtifactCollections) {
  testing::TempDatabase t;
  Rows rows(t);
  std::string run = core::new_uuid4();
  std::string older = rows.artifact(run, std::string("k1"), 100);
  std::string newer = rows.artifact(run, std::string("k1"), 200);
  rows.collection("k1", core::new_uuid4());  // its latest was deleted
  rows.collection("k2", core::new_uuid4());  // nothing left of k2
  std::string kept = rows.artifact(run, std::string("k3"), 300);
  rows.collection("k3", kept);
  auto out = write<vacuum::CollectionsReconciled>(
      t, [&](Connection& c) { return vacuum::reconcile_stale_artifact_collections(c, 10); });
  EXPECT_EQ(out.repointed, 1);
  EXPECT_EQ(out.removed, 1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM artifact_collection WHERE key = 'k1' AND latest_id = '" + newer +
                       "' AND created = 200 AND data = '\"" + newer + "\"' AND type = 'markdown'"),
            1);
  EXPECT_EQ(rows.count("SELECT count(*) FROM artifact_collection WHERE key = 'k2'"), 0);
  EXPECT_EQ(rows.count("SELECT count(*) FROM artifact_collection WHERE key = 'k3' AND latest_id = '" + kept + "'"), 1);
  (void)older;
  auto again = write<vacuum::CollectionsReconciled>(
      t, [&](Connection& c) { return vacuum::reconcile_stale_artifact_collections(c, 10); });
  EXPECT_EQ(again.repointed + again.removed, 0);
}

}  // namespace
}  // namespace praetor::store
