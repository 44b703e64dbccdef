#include "api/filter_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>

#include "api/list_request.h"
#include "core/timestamp.h"
#include "store/test_database.h"

namespace praetor::api {
namespace {

namespace json = boost::json;
using store::bind_all;
using store::Connection;
using store::Database;
namespace testing = store::testing;

// Readable fixed ids: "$F1" in a case body becomes the uuid of flow F1, and so on.
const std::map<std::string, std::string>& ids() {
  static const std::map<std::string, std::string> kIds = {
      {"F1", "00000000-0000-4000-8000-0000000000f1"}, {"F2", "00000000-0000-4000-8000-0000000000f2"},
      {"F3", "00000000-0000-4000-8000-0000000000f3"}, {"R1", "00000000-0000-4000-8000-0000000000a1"},
      {"R2", "00000000-0000-4000-8000-0000000000a2"}, {"R3", "00000000-0000-4000-8000-0000000000a3"},
      {"T1", "00000000-0000-4000-8000-0000000000b1"}, {"T2", "00000000-0000-4000-8000-0000000000b2"},
      {"T3", "00000000-0000-4000-8000-0000000000b3"},
      {"D1", "00000000-0000-4000-8000-0000000000d1"}, {"C1", "00000000-0000-4000-8000-0000000000e1"},
      {"X0", "00000000-0000-4000-8000-000000000000"}, {"P1", "00000000-0000-4000-8000-0000000000f9"},
      {"Q1", "00000000-0000-4000-8000-0000000000e9"},
  };
  return kIds;
}

std::string short_name(const std::string& uuid) {
  for (const auto& [k, v] : ids()) {
    if (v == uuid) return k;
  }
  return uuid;
}

// "$R1" → the uuid; "@100" → the ISO timestamp of second 100.
std::string expand(std::string text) {
  for (const auto& [k, v] : ids()) {
    std::string token = "$" + k;
    for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token)) text.replace(pos, token.size(), v);
  }
  std::regex at("@([0-9]+)");
  std::smatch m;
  while (std::regex_search(text, m, at)) {
    auto t = core::from_micros(std::stoll(m[1].str()) * 1000000);
    text.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)),
                 core::format_timestamp(t));
  }
  return text;
}

int64_t sec(int s) { return static_cast<int64_t>(s) * 1000000; }

// Three flows, three flow runs (R2 a subflow of R1 through task run T1), three task runs
// (T3 without a flow run).
void insert_fixture(Database& db) {
  auto st = db.write<core::Ok>([](Connection& c) -> core::Result<core::Ok> {
    auto flow = [&](const char* id, const char* name, const char* tags) {
      c.prepare("INSERT INTO flow(id, created, updated, name, tags) VALUES (?1, ?2, ?2, ?3, ?4)")
          .bind(1, ids().at(id)).bind(2, sec(1)).bind(3, name).bind(4, tags).run();
    };
    flow("F1", "etl-Marvin", R"(["a","b"])");
    flow("F2", "sad-marvin", R"(["a"])");
    flow("F3", "other", "[]");
    // Work pool P1 ("pool-a") with queue Q1; deployment D1 of F1 on Q1.
    c.prepare("INSERT INTO work_pool(id, created, updated, name, type) VALUES (?1, 0, 0, 'pool-a', 'process')")
        .bind(1, ids().at("P1")).run();
    c.prepare("INSERT INTO work_queue(id, created, updated, name, priority, work_pool_id) "
              "VALUES (?1, 0, 0, 'q1', 1, ?2)")
        .bind(1, ids().at("Q1")).bind(2, ids().at("P1")).run();
    c.prepare("INSERT INTO deployment(id, created, updated, name, flow_id, work_queue_id, tags, paused) "
              "VALUES (?1, 0, 0, 'nightly', ?2, ?3, '[\"prod\"]', 1)")
        .bind(1, ids().at("D1")).bind(2, ids().at("F1")).bind(3, ids().at("Q1")).run();

    auto& fr = c.prepare(
        "INSERT INTO flow_run(id, created, updated, name, flow_id, tags, deployment_id, work_queue_name, "
        "state_type, state_name, flow_version, start_time, end_time, expected_start_time, "
        "next_scheduled_start_time, parent_task_run_id, idempotency_key, created_by) "
        "VALUES (?1, 0, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
    fr.bind(1, ids().at("R1")).bind(2, "run-alpha").bind(3, ids().at("F1")).bind(4, R"(["x","y"])")
        .bind(5, ids().at("D1")).bind(6, "q1").bind(7, "COMPLETED").bind(8, "Completed").bind(9, "v1")
        .bind(10, sec(100)).bind(11, sec(200)).bind(12, sec(90)).bind(13, nullptr).bind(14, nullptr)
        .bind(15, "k1").bind(16, R"({"id":")" + ids().at("C1") + R"(","type":"DEPLOYMENT"})").run();
    fr.reset();
    fr.bind(1, ids().at("R2")).bind(2, "run-beta").bind(3, ids().at("F1")).bind(4, "[]").bind(5, nullptr)
        .bind(6, nullptr).bind(7, "FAILED").bind(8, "Failed").bind(9, "v2").bind(10, nullptr).bind(11, nullptr)
        .bind(12, sec(300)).bind(13, sec(400)).bind(14, ids().at("T1")).bind(15, nullptr).bind(16, nullptr).run();
    fr.reset();
    fr.bind(1, ids().at("R3")).bind(2, "Gamma").bind(3, ids().at("F2")).bind(4, R"(["y"])").bind(5, nullptr)
        .bind(6, "q2").bind(7, "SCHEDULED").bind(8, "Late").bind(9, nullptr).bind(10, nullptr).bind(11, nullptr)
        .bind(12, sec(500)).bind(13, sec(500)).bind(14, nullptr).bind(15, "k3").bind(16, nullptr).run();
    c.prepare("UPDATE flow_run SET work_queue_id = ?1 WHERE id = ?2").bind(1, ids().at("Q1")).bind(2, ids().at("R1")).run();

    auto& tr = c.prepare(
        "INSERT INTO task_run(id, created, updated, name, flow_run_id, task_key, dynamic_key, tags, state_type, "
        "state_name, start_time, end_time, expected_start_time) "
        "VALUES (?1, 0, 0, ?2, ?3, ?1, '0', ?4, ?5, ?6, ?7, ?8, ?9)");
    tr.bind(1, ids().at("T1")).bind(2, "extract").bind(3, ids().at("R1")).bind(4, R"(["t1"])").bind(5, "COMPLETED")
        .bind(6, "Completed").bind(7, sec(110)).bind(8, sec(150)).bind(9, sec(105)).run();
    tr.reset();
    tr.bind(1, ids().at("T2")).bind(2, "load").bind(3, ids().at("R1")).bind(4, R"(["t1","t2"])").bind(5, "RUNNING")
        .bind(6, "Running").bind(7, sec(160)).bind(8, nullptr).bind(9, sec(155)).run();
    tr.reset();
    tr.bind(1, ids().at("T3")).bind(2, "Orphan").bind(3, nullptr).bind(4, "[]").bind(5, "PENDING")
        .bind(6, "Pending").bind(7, nullptr).bind(8, nullptr).bind(9, nullptr).run();
    return core::Ok{};
  });
  if (!st) throw std::runtime_error(st.error().message);
}

const char* table_of(FilterRoot root) {
  switch (root) {
    case FilterRoot::kFlow: return "flow";
    case FilterRoot::kFlowRun: return "flow_run";
    case FilterRoot::kTaskRun: return "task_run";
    case FilterRoot::kDeployment: return "deployment";
    case FilterRoot::kWorkPool: return "work_pool";
    case FilterRoot::kWorkQueue: return "work_queue";
  }
  return "";
}

// Short names of the rows matching `body` (sorted), or the error.
core::Result<std::vector<std::string>> matching(Database& db, FilterRoot root, const std::string& body) {
  json::value v = json::parse(expand(body));
  auto cond = compile_filter_body(v.as_object(), root);
  if (!cond) return cond.error();
  return db.read<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    std::string table = table_of(root);
    auto& st = c.prepare("SELECT " + table + ".id FROM " + table + " WHERE " + cond->sql);
    bind_all(st, cond->params);
    std::vector<std::string> out;
    while (st.step()) out.push_back(short_name(st.column_text(0)));
    std::sort(out.begin(), out.end());
    return out;
  });
}

struct Case {
  const char* name;
  FilterRoot root;
  const char* body;
  std::vector<std::string> expected;
};

class FilterCases : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::TempDatabase();
    insert_fixture(db_->db());
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  static testing::TempDatabase* db_;
};
testing::TempDatabase* FilterCases::db_ = nullptr;

using R = FilterRoot;

// Verifies each operator of each filter family selects exactly the rows Prefect's
// _get_filter_list would (filters.py), evaluated by SQLite.
TEST_P(FilterCases, MatchesExpectedRows) {
  const Case& c = GetParam();
  auto got = matching(db_->db(), c.root, c.body);
  ASSERT_TRUE(got) << c.name << ": " << got.error().message << " " << json::serialize(got.error().detail);
  EXPECT_EQ(*got, c.expected) << c.name << " body " << c.body;
}

const Case kCases[] = {
    // Empty and null bodies match everything.
    {"flow_empty", R::kFlow, R"({})", {"F1", "F2", "F3"}},
    {"flow_null", R::kFlow, R"({"flows":null})", {"F1", "F2", "F3"}},
    // FlowFilter
    {"flow_id_any", R::kFlow, R"({"flows":{"id":{"any_":["$F1","$F3"]}}})", {"F1", "F3"}},
    {"flow_id_any_empty", R::kFlow, R"({"flows":{"id":{"any_":[]}}})", {}},
    {"flow_id_not_any", R::kFlow, R"({"flows":{"id":{"not_any_":["$F1"]}}})", {"F2", "F3"}},
    {"flow_id_not_any_empty", R::kFlow, R"({"flows":{"id":{"not_any_":[]}}})", {"F1", "F2", "F3"}},
    {"flow_name_any", R::kFlow, R"({"flows":{"name":{"any_":["other","nope"]}}})", {"F3"}},
    {"flow_name_like_ci", R::kFlow, R"({"flows":{"name":{"like_":"MARVIN"}}})", {"F1", "F2"}},
    {"flow_name_like_empty", R::kFlow, R"({"flows":{"name":{"like_":""}}})", {"F1", "F2", "F3"}},
    {"flow_tags_all", R::kFlow, R"({"flows":{"tags":{"all_":["a","b"]}}})", {"F1"}},
    {"flow_tags_all_one", R::kFlow, R"({"flows":{"tags":{"all_":["a"]}}})", {"F1", "F2"}},
    {"flow_tags_is_null", R::kFlow, R"({"flows":{"tags":{"is_null_":true}}})", {"F3"}},
    {"flow_tags_not_null", R::kFlow, R"({"flows":{"tags":{"is_null_":false}}})", {"F1", "F2"}},
    {"flow_tags_or", R::kFlow, R"({"flows":{"tags":{"operator":"or_","all_":["b"],"is_null_":true}}})", {"F1", "F3"}},
    {"flow_operator_and", R::kFlow, R"({"flows":{"name":{"like_":"marvin"},"tags":{"all_":["b"]}}})", {"F1"}},
    {"flow_operator_or", R::kFlow, R"({"flows":{"operator":"or_","name":{"any_":["other"]},"tags":{"all_":["b"]}}})",
     {"F1", "F3"}},
    {"flow_operator_or_true_child", R::kFlow, R"({"flows":{"operator":"or_","id":{},"name":{"any_":["x"]}}})",
     {"F1", "F2", "F3"}},
    // Flows through their runs and task runs (EXISTS).
    {"flow_by_flow_runs_empty", R::kFlow, R"({"flow_runs":{}})", {"F1", "F2"}},
    {"flow_by_flow_run_state", R::kFlow, R"({"flow_runs":{"state":{"type":{"any_":["SCHEDULED"]}}}})", {"F2"}},
    {"flow_by_task_run", R::kFlow, R"({"task_runs":{"name":{"any_":["load"]}}})", {"F1"}},
    {"flow_by_deployments", R::kFlow, R"({"deployments":{}})", {"F1"}},
    {"flow_by_work_pools", R::kFlow, R"({"work_pools":{"name":{"any_":["p"]}}})", {}},
    {"flow_by_work_pool_name", R::kFlow, R"({"work_pools":{"name":{"any_":["pool-a"]}}})", {"F1"}},
    {"flow_deployment_is_null", R::kFlow, R"({"flows":{"deployment":{"is_null_":true}}})", {"F2", "F3"}},
    {"flow_deployment_is_not_null", R::kFlow, R"({"flows":{"deployment":{"is_null_":false}}})", {"F1"}},
    // FlowRunFilter
    {"fr_id_any", R::kFlowRun, R"({"flow_runs":{"id":{"any_":["$R2"]}}})", {"R2"}},
    {"fr_id_not_any", R::kFlowRun, R"({"flow_runs":{"id":{"not_any_":["$R2"]}}})", {"R1", "R3"}},
    {"fr_name_any", R::kFlowRun, R"({"flow_runs":{"name":{"any_":["Gamma"]}}})", {"R3"}},
    {"fr_name_like", R::kFlowRun, R"({"flow_runs":{"name":{"like_":"RUN-"}}})", {"R1", "R2"}},
    {"fr_tags_all", R::kFlowRun, R"({"flow_runs":{"tags":{"all_":["x","y"]}}})", {"R1"}},
    {"fr_tags_any", R::kFlowRun, R"({"flow_runs":{"tags":{"any_":["y","zzz"]}}})", {"R1", "R3"}},
    {"fr_tags_any_empty", R::kFlowRun, R"({"flow_runs":{"tags":{"any_":[]}}})", {}},
    {"fr_tags_is_null", R::kFlowRun, R"({"flow_runs":{"tags":{"is_null_":true}}})", {"R2"}},
    {"fr_deployment_id_any", R::kFlowRun, R"({"flow_runs":{"deployment_id":{"any_":["$D1"]}}})", {"R1"}},
    {"fr_deployment_id_is_null", R::kFlowRun, R"({"flow_runs":{"deployment_id":{"is_null_":true}}})", {"R2", "R3"}},
    {"fr_work_queue_name_any", R::kFlowRun, R"({"flow_runs":{"work_queue_name":{"any_":["q1","q2"]}}})",
     {"R1", "R3"}},
    {"fr_work_queue_name_is_null", R::kFlowRun, R"({"flow_runs":{"work_queue_name":{"is_null_":false}}})",
     {"R1", "R3"}},
    {"fr_state_type_any", R::kFlowRun, R"({"flow_runs":{"state":{"type":{"any_":["FAILED","COMPLETED"]}}}})",
     {"R1", "R2"}},
    {"fr_state_type_not_any", R::kFlowRun, R"({"flow_runs":{"state":{"type":{"not_any_":["FAILED"]}}}})",
     {"R1", "R3"}},
    {"fr_state_name_any", R::kFlowRun, R"({"flow_runs":{"state":{"name":{"any_":["Late"]}}}})", {"R3"}},
    {"fr_state_name_not_any", R::kFlowRun, R"({"flow_runs":{"state":{"name":{"not_any_":["Late"]}}}})",
     {"R1", "R2"}},
    {"fr_state_or", R::kFlowRun,
     R"({"flow_runs":{"state":{"operator":"or_","type":{"any_":["FAILED"]},"name":{"any_":["Late"]}}}})",
     {"R2", "R3"}},
    {"fr_state_or_drops_true_child", R::kFlowRun,
     R"({"flow_runs":{"state":{"operator":"or_","type":{},"name":{"any_":["Late"]}}}})", {"R3"}},
    {"fr_flow_version_any", R::kFlowRun, R"({"flow_runs":{"flow_version":{"any_":["v2"]}}})", {"R2"}},
    // start_time compares COALESCE(start_time, expected_start_time); bounds are inclusive.
    {"fr_start_time_before", R::kFlowRun, R"({"flow_runs":{"start_time":{"before_":"@300"}}})", {"R1", "R2"}},
    {"fr_start_time_after", R::kFlowRun, R"({"flow_runs":{"start_time":{"after_":"@300"}}})", {"R2", "R3"}},
    {"fr_start_time_is_null", R::kFlowRun, R"({"flow_runs":{"start_time":{"is_null_":true}}})", {"R2", "R3"}},
    {"fr_end_time_before", R::kFlowRun, R"({"flow_runs":{"end_time":{"before_":"@200"}}})", {"R1"}},
    {"fr_end_time_after", R::kFlowRun, R"({"flow_runs":{"end_time":{"after_":"@201"}}})", {}},
    {"fr_end_time_is_null", R::kFlowRun, R"({"flow_runs":{"end_time":{"is_null_":false}}})", {"R1"}},
    {"fr_expected_start_time_range", R::kFlowRun,
     R"({"flow_runs":{"expected_start_time":{"after_":"@90","before_":"@300"}}})", {"R1", "R2"}},
    {"fr_next_scheduled_before", R::kFlowRun, R"({"flow_runs":{"next_scheduled_start_time":{"before_":"@450"}}})",
     {"R2"}},
    {"fr_next_scheduled_after", R::kFlowRun, R"({"flow_runs":{"next_scheduled_start_time":{"after_":"@450"}}})",
     {"R3"}},
    {"fr_parent_flow_run_id", R::kFlowRun, R"({"flow_runs":{"parent_flow_run_id":{"any_":["$R1"]}}})", {"R2"}},
    {"fr_parent_task_run_id_any", R::kFlowRun, R"({"flow_runs":{"parent_task_run_id":{"any_":["$T1"]}}})", {"R2"}},
    {"fr_parent_task_run_id_is_null", R::kFlowRun, R"({"flow_runs":{"parent_task_run_id":{"is_null_":true}}})",
     {"R1", "R3"}},
    {"fr_idempotency_key_any", R::kFlowRun, R"({"flow_runs":{"idempotency_key":{"any_":["k3"]}}})", {"R3"}},
    // NOT IN drops NULL keys, as in SQL.
    {"fr_idempotency_key_not_any", R::kFlowRun, R"({"flow_runs":{"idempotency_key":{"not_any_":["k3"]}}})", {"R1"}},
    {"fr_created_by_id", R::kFlowRun, R"({"flow_runs":{"created_by":{"id_":["$C1"]}}})", {"R1"}},
    {"fr_created_by_type", R::kFlowRun, R"({"flow_runs":{"created_by":{"type_":["AUTOMATION"]}}})", {}},
    {"fr_created_by_is_null", R::kFlowRun, R"({"flow_runs":{"created_by":{"is_null_":true}}})", {"R2", "R3"}},
    {"fr_by_flows", R::kFlowRun, R"({"flows":{"name":{"any_":["sad-marvin"]}}})", {"R3"}},
    {"fr_by_task_runs", R::kFlowRun, R"({"task_runs":{"tags":{"all_":["t2"]}}})", {"R1"}},
    {"fr_by_flows_and_task_runs", R::kFlowRun,
     R"({"flows":{"name":{"like_":"etl"}},"task_runs":{"name":{"any_":["extract"]}}})", {"R1"}},
    {"fr_by_work_pool_queues", R::kFlowRun, R"({"work_pool_queues":{}})", {"R1"}},
    {"fr_by_work_pool_queue_name", R::kFlowRun, R"({"work_pool_queues":{"name":{"any_":["q2"]}}})", {}},
    {"fr_by_deployments", R::kFlowRun, R"({"deployments":{"id":{"any_":["$D1"]}}})", {"R1"}},
    {"fr_by_work_pools", R::kFlowRun, R"({"work_pools":{"type":{"any_":["process"]}}})", {"R1"}},
    {"tr_by_deployments", R::kTaskRun, R"({"deployments":{"name":{"any_":["nightly"]}}})", {"T1", "T2"}},
    // DeploymentFilter and the deployment root.
    {"dep_name_like", R::kDeployment, R"({"deployments":{"name":{"like_":"NIGHT"}}})", {"D1"}},
    {"dep_paused", R::kDeployment, R"({"deployments":{"paused":{"eq_":false}}})", {}},
    {"dep_tags", R::kDeployment, R"({"deployments":{"tags":{"all_":["prod"]}}})", {"D1"}},
    {"dep_flow_or_deployment_name", R::kDeployment,
     R"({"deployments":{"flow_or_deployment_name":{"like_":"marvin"}}})", {"D1"}},
    {"dep_by_flows", R::kDeployment, R"({"flows":{"name":{"any_":["other"]}}})", {}},
    {"dep_by_flow_runs", R::kDeployment, R"({"flow_runs":{"name":{"any_":["run-alpha"]}}})", {"D1"}},
    {"dep_by_work_pools", R::kDeployment, R"({"work_pools":{"name":{"any_":["pool-a"]}}})", {"D1"}},
    {"pool_name", R::kWorkPool, R"({"work_pools":{"name":{"any_":["pool-a","x"]}}})", {"P1"}},
    {"queue_name_startswith", R::kWorkQueue, R"({"work_queues":{"name":{"startswith_":["q"]}}})", {"Q1"}},
    // TaskRunFilter
    {"tr_id_any", R::kTaskRun, R"({"task_runs":{"id":{"any_":["$T2","$X0"]}}})", {"T2"}},
    {"tr_name_any", R::kTaskRun, R"({"task_runs":{"name":{"any_":["extract"]}}})", {"T1"}},
    {"tr_name_like", R::kTaskRun, R"({"task_runs":{"name":{"like_":"O"}}})", {"T2", "T3"}},
    {"tr_tags_all", R::kTaskRun, R"({"task_runs":{"tags":{"all_":["t1"]}}})", {"T1", "T2"}},
    {"tr_tags_is_null", R::kTaskRun, R"({"task_runs":{"tags":{"is_null_":true}}})", {"T3"}},
    {"tr_state_type", R::kTaskRun, R"({"task_runs":{"state":{"type":{"any_":["RUNNING","PENDING"]}}}})",
     {"T2", "T3"}},
    {"tr_state_name", R::kTaskRun, R"({"task_runs":{"state":{"name":{"any_":["Completed"]}}}})", {"T1"}},
    {"tr_start_time_before", R::kTaskRun, R"({"task_runs":{"start_time":{"before_":"@110"}}})", {"T1"}},
    {"tr_start_time_after", R::kTaskRun, R"({"task_runs":{"start_time":{"after_":"@111"}}})", {"T2"}},
    {"tr_start_time_is_null", R::kTaskRun, R"({"task_runs":{"start_time":{"is_null_":true}}})", {"T3"}},
    {"tr_end_time_before", R::kTaskRun, R"({"task_runs":{"end_time":{"before_":"@150"}}})", {"T1"}},
    {"tr_end_time_is_null", R::kTaskRun, R"({"task_runs":{"end_time":{"is_null_":true}}})", {"T2", "T3"}},
    {"tr_expected_start_time", R::kTaskRun, R"({"task_runs":{"expected_start_time":{"after_":"@106"}}})", {"T2"}},
    {"tr_subflow_runs_exists", R::kTaskRun, R"({"task_runs":{"subflow_runs":{"exists_":true}}})", {"T1"}},
    {"tr_subflow_runs_not_exists", R::kTaskRun, R"({"task_runs":{"subflow_runs":{"exists_":false}}})", {"T2", "T3"}},
    // flow_run_id.is_null_ defaults to False: {} means "has a flow run".
    {"tr_flow_run_id_default", R::kTaskRun, R"({"task_runs":{"flow_run_id":{}}})", {"T1", "T2"}},
    {"tr_flow_run_id_is_null", R::kTaskRun, R"({"task_runs":{"flow_run_id":{"is_null_":true}}})", {"T3"}},
    {"tr_flow_run_id_any", R::kTaskRun, R"({"task_runs":{"flow_run_id":{"any_":["$R1"]}}})", {"T1", "T2"}},
    {"tr_flow_run_id_explicit_null", R::kTaskRun, R"({"task_runs":{"flow_run_id":{"is_null_":null}}})",
     {"T1", "T2", "T3"}},
    {"tr_by_flow_run_ids_only", R::kTaskRun, R"({"flow_runs":{"id":{"any_":["$R1"]}}})", {"T1", "T2"}},
    {"tr_by_flow_run_state", R::kTaskRun, R"({"flow_runs":{"state":{"type":{"any_":["COMPLETED"]}}}})",
     {"T1", "T2"}},
    {"tr_by_flows", R::kTaskRun, R"({"flows":{"name":{"any_":["sad-marvin"]}}})", {}},
    {"tr_operator_or", R::kTaskRun,
     R"({"task_runs":{"operator":"or_","name":{"any_":["Orphan"]},"tags":{"all_":["t2"]}}})", {"T2", "T3"}},
    // LogFilter
};

INSTANTIATE_TEST_SUITE_P(Families, FilterCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

struct ErrorCase {
  const char* name;
  FilterRoot root;
  const char* body;
  const char* expected_detail;  // the pydantic-shaped list, compared as JSON
};

class FilterErrors : public ::testing::TestWithParam<ErrorCase> {};

// Verifies invalid filter values are 422s at Prefect's `loc`, with pydantic's type and message.
TEST_P(FilterErrors, ReportsPydanticShapedDetail) {
  const ErrorCase& c = GetParam();
  json::value body = json::parse(c.body);
  auto got = compile_filter_body(body.as_object(), c.root);
  ASSERT_FALSE(got) << c.name;
  EXPECT_EQ(got.error().kind, core::ErrorKind::kInvalid);
  EXPECT_EQ(got.error().detail, json::parse(c.expected_detail)) << json::serialize(got.error().detail);
}

const ErrorCase kErrorCases[] = {
    {"not_an_object", R::kFlow, R"({"flows":"x"})",
     R"([{"type":"model_attributes_type","loc":["body","flows"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"x"}])"},
    {"bad_operator_and_uuid_and_like", R::kFlow,
     R"({"flows":{"id":{"any_":["xyz"]},"name":{"like_":5},"operator":"xor"}})",
     R"([{"type":"enum","loc":["body","flows","operator"],"msg":"Input should be 'and_' or 'or_'","input":"xor","ctx":{"expected":"'and_' or 'or_'"}},
         {"type":"uuid_parsing","loc":["body","flows","id","any_",0],"msg":"Input should be a valid UUID","input":"xyz"},
         {"type":"string_type","loc":["body","flows","name","like_"],"msg":"Input should be a valid string","input":5}])"},
    {"bad_state_type", R::kFlowRun, R"({"flow_runs":{"state":{"type":{"any_":["NOPE"]}}}})",
     R"([{"type":"enum","loc":["body","flow_runs","state","type","any_",0],"msg":"Input should be 'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED' or 'CANCELLING'","input":"NOPE","ctx":{"expected":"'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED' or 'CANCELLING'"}}])"},
    {"bad_timestamp", R::kFlowRun, R"({"flow_runs":{"start_time":{"before_":"garbage"}}})",
     R"([{"type":"value_error","loc":["body","flow_runs","start_time","before_"],"msg":"Value error, Unable to parse string [garbage]","input":"garbage","ctx":{"error":{}}}])"},
    {"bad_bool", R::kFlow, R"({"flows":{"tags":{"is_null_":"maybe"}}})",
     R"([{"type":"bool_parsing","loc":["body","flows","tags","is_null_"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}])"},
    {"bad_list", R::kFlow, R"({"flows":{"tags":{"all_":"a"}}})",
     R"([{"type":"list_type","loc":["body","flows","tags","all_"],"msg":"Input should be a valid list","input":"a"}])"},
    {"deployments_not_object", R::kFlowRun, R"({"deployments":3})",
     R"([{"type":"model_attributes_type","loc":["body","deployments"],"msg":"Input should be a valid dictionary or object to extract fields from","input":3}])"},
};

INSTANTIATE_TEST_SUITE_P(Families, FilterErrors, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

// Verifies each root reads only the families its Prefect route takes: an invalid value
// under another key is ignored there (Prefect's router never reads it) and still a 422
// where the route takes it, including a family nested through a relation (a task run's
// flow run's work pool).
TEST(FilterRegistry, ReadsOnlyTheFamiliesTheRootsRouteTakes) {
  const json::object bad_flows = json::parse(R"({"flows":"x","work_pool_queues":"x","task_runs":"x"})").as_object();
  EXPECT_TRUE(compile_filter_body(bad_flows, R::kWorkPool));
  EXPECT_TRUE(compile_filter_body(json::parse(R"({"work_pool_queues":"x"})").as_object(), R::kFlow));
  EXPECT_TRUE(compile_filter_body(json::parse(R"({"work_pool_queues":"x"})").as_object(), R::kWorkQueue));
  EXPECT_FALSE(compile_filter_body(bad_flows, R::kFlowRun));
  EXPECT_FALSE(compile_filter_body(json::parse(R"({"work_pool_queues":"x"})").as_object(), R::kDeployment));
  EXPECT_FALSE(compile_filter_body(json::parse(R"({"work_pools":"x"})").as_object(), R::kTaskRun));
  EXPECT_FALSE(compile_filter_body(json::parse(R"({"work_pools":"x"})").as_object(), R::kWorkQueue));
}

// Verifies the task-run root's shortcut for listed flow-run ids reads only a valid list: ids
// that are not UUIDs are the family's 422, each reported once (schemathesis found a 500).
TEST(FilterRegistry, TaskRunsOfInvalidFlowRunIdsAreA422) {
  auto got = compile_filter_body(json::parse(R"({"flow_runs":{"id":{"any_":[null,"x"]}}})").as_object(), R::kTaskRun);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::kInvalid);
  EXPECT_EQ(got.error().detail.as_array().size(), 2u) << json::serialize(got.error().detail);
}

// Verifies sort names map to ORDER BY, null means the root's default, and an unknown name
// is a 422 listing the permitted values.
TEST(FilterSort, CompilesKnownAndRejectsUnknown) {
  json::value name_desc = "NAME_DESC";
  EXPECT_EQ(*compile_sort(&name_desc, FilterRoot::kFlow), "ORDER BY flow.name DESC");
  EXPECT_EQ(*compile_sort(nullptr, FilterRoot::kFlow), "ORDER BY flow.name ASC");
  json::value null_value;
  EXPECT_EQ(*compile_sort(&null_value, FilterRoot::kFlowRun), "ORDER BY flow_run.id DESC");
  EXPECT_EQ(*compile_sort(nullptr, FilterRoot::kTaskRun), "ORDER BY task_run.id DESC");
  json::value bad = "BAD";
  auto err = compile_sort(&bad, FilterRoot::kFlow);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().detail,
            json::parse(R"([{"type":"enum","loc":["body","sort"],"msg":"Input should be 'CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC' or 'NAME_DESC'","input":"BAD","ctx":{"expected":"'CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC' or 'NAME_DESC'"}}])"));
}

// Verifies every sort of every root is valid SQL over its table.
TEST(FilterSort, EverySortRuns) {
  testing::TempDatabase t;
  insert_fixture(t.db());
  const std::pair<FilterRoot, std::vector<const char*>> roots[] = {
      {FilterRoot::kFlow, {"CREATED_DESC", "UPDATED_DESC", "NAME_ASC", "NAME_DESC"}},
      {FilterRoot::kFlowRun,
       {"ID_DESC", "START_TIME_ASC", "START_TIME_DESC", "EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC",
        "NAME_ASC", "NAME_DESC", "NEXT_SCHEDULED_START_TIME_ASC", "END_TIME_DESC"}},
      {FilterRoot::kTaskRun,
       {"ID_DESC", "EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC", "NAME_ASC", "NAME_DESC",
        "NEXT_SCHEDULED_START_TIME_ASC", "END_TIME_DESC", "DURATION_DESC", "DURATION_ASC"}},
  };
  for (const auto& [root, names] : roots) {
    for (const char* name : names) {
      json::value v = name;
      auto order = compile_sort(&v, root);
      ASSERT_TRUE(order) << name;
      auto n = t.db().read<int>([&](Connection& c) -> core::Result<int> {
        auto& st = c.prepare(std::string("SELECT id FROM ") + table_of(root) + " " + *order);
        int rows = 0;
        while (st.step()) ++rows;
        return rows;
      });
      ASSERT_TRUE(n) << name << ": " << n.error().message;
      EXPECT_EQ(*n, 3) << name;
    }
  }
  json::value name_asc = "NAME_ASC";
  auto order = compile_sort(&name_asc, FilterRoot::kFlowRun);
  auto first = t.db().read<std::string>([&](Connection& c) -> core::Result<std::string> {
    auto& st = c.prepare("SELECT id FROM flow_run " + *order + " LIMIT 1");
    st.step();
    std::string id = st.column_text(0);
    st.reset();
    return id;
  });
  EXPECT_EQ(short_name(*first), "R3");  // "Gamma" < "run-…"
}

// Verifies Prefect's LimitBody rules and the offset/page bounds.
TEST(FilterPagination, LimitOffsetAndPage) {
  auto read = [](const char* body) { return read_pagination(json::parse(body).as_object(), 200); };
  auto p = read(R"({})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 200);
  EXPECT_EQ(p->offset, 0);
  p = read(R"({"limit":null,"offset":5})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 200);
  EXPECT_EQ(p->offset, 5);
  p = read(R"({"limit":"7"})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 7);
  p = read(R"({"limit":10,"page":3})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 20);
  EXPECT_EQ(p->page, 3);

  auto too_big = read(R"({"limit":201})");
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().kind, core::ErrorKind::kInvalid);
  EXPECT_EQ(too_big.error().message, "Invalid limit: must be less than or equal to 200.");
  EXPECT_TRUE(too_big.error().detail.is_null());
  auto negative = read(R"({"limit":-1})");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message, "Invalid limit: must be greater than or equal to 0.");

  auto bad = read(R"({"limit":"abc","offset":-1})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            json::parse(R"([{"type":"int_parsing","loc":["body","limit"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},
                           {"type":"greater_than_equal","loc":["body","offset"],"msg":"Input should be greater than or equal to 0","input":-1,"ctx":{"ge":0}}])"));
  auto bad_page = read(R"({"page":0})");
  ASSERT_FALSE(bad_page);
  EXPECT_EQ(bad_page.error().detail,
            json::parse(R"([{"type":"greater_than_equal","loc":["body","page"],"msg":"Input should be greater than or equal to 1","input":0,"ctx":{"ge":1}}])"));
}

}  // namespace
}  // namespace praetor::api
