#include "core/flow_run.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

namespace json = boost::json;

Timestamp at(const char* text) { return *parse_timestamp(text); }

// Verifies every FlowRunResponse key is present with Prefect's defaults.
TEST(FlowRun, ResponseHasEveryFieldWithDefaults) {
  FlowRun run;
  run.id = "11111111-1111-4111-8111-111111111111";
  run.flow_id = "22222222-2222-4222-8222-222222222222";
  run.name = "crimson-wolf";
  run.created = run.updated = at("2026-01-01T00:00:00Z");
  json::object o = to_json(run, at("2026-01-01T00:00:00Z"));
  for (const char* key :
       {"id", "created", "updated", "name", "flow_id", "state_id", "deployment_id", "deployment_version",
        "work_queue_id", "work_queue_name", "flow_version", "parameters", "idempotency_key", "context",
        "empirical_policy", "tags", "labels", "parent_task_run_id", "state_type", "state_name", "run_count",
        "expected_start_time", "next_scheduled_start_time", "start_time", "end_time", "total_run_time",
        "estimated_run_time", "estimated_start_time_delta", "auto_scheduled", "infrastructure_document_id",
        "infrastructure_pid", "created_by", "work_pool_id", "work_pool_name", "state", "job_variables"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.size(), 36u);
  EXPECT_TRUE(o["state"].is_null());
  EXPECT_TRUE(o["work_pool_name"].is_null());
  EXPECT_TRUE(o["created_by"].is_null());
  EXPECT_TRUE(o["total_run_time"].is_double());
  EXPECT_TRUE(o["estimated_start_time_delta"].is_double());
  const auto& policy = o["empirical_policy"].as_object();
  EXPECT_EQ(policy.at("max_retries"), 0);
  EXPECT_TRUE(policy.at("retries").is_null());
  EXPECT_EQ(policy.at("pause_keys"), json::array{});
  EXPECT_EQ(policy.at("resuming"), false);
  EXPECT_TRUE(policy.at("retry_type").is_null());
}

// Verifies the live estimates: run time grows while RUNNING; lateness while not started.
TEST(FlowRun, LiveEstimates) {
  FlowRun run;
  run.total_run_time = std::chrono::seconds(2);
  run.state_type = StateType::kRunning;
  run.state_timestamp = at("2026-01-01T00:00:10Z");
  run.expected_start_time = at("2026-01-01T00:00:00Z");
  run.start_time = at("2026-01-01T00:00:03Z");
  auto o = to_json(run, at("2026-01-01T00:00:15Z"));
  EXPECT_DOUBLE_EQ(o["estimated_run_time"].as_double(), 7.0);
  EXPECT_DOUBLE_EQ(o["estimated_start_time_delta"].as_double(), 3.0);
  run.start_time.reset();
  run.state_type = StateType::kPending;
  o = to_json(run, at("2026-01-01T00:00:15Z"));
  EXPECT_DOUBLE_EQ(o["estimated_start_time_delta"].as_double(), 15.0);
  run.state_type = StateType::kCompleted;
  o = to_json(run, at("2026-01-01T00:00:15Z"));
  EXPECT_DOUBLE_EQ(o["estimated_start_time_delta"].as_double(), 0.0);
}

// Verifies FlowRunCreate decoding: null name gets a slug, policy fallbacks, initial state.
TEST(FlowRun, ParseCreate) {
  auto body = json::parse(R"({"name":null,"flow_id":"22222222-2222-4222-8222-222222222222",
      "state":{"type":"PENDING"},"empirical_policy":{"max_retries":3,"retry_delay_seconds":5},
      "tags":["a"],"labels":{"k":"v"},"from_the_future":1})");
  auto c = parse_flow_run_create(body, at("2026-01-01T00:00:00Z"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->run.name.empty());
  EXPECT_EQ(c->run.empirical_policy.retries, 3);
  EXPECT_EQ(c->run.empirical_policy.retry_delay, 5);
  ASSERT_TRUE(c->state);
  EXPECT_EQ(c->state->name, "Pending");
  EXPECT_EQ(c->run.tags, std::vector<std::string>{"a"});
}

// Verifies bad types are 422 entries naming each field, nested state included.
TEST(FlowRun, ParseCreateErrors) {
  auto c = parse_flow_run_create(json::parse(R"({"tags":"x","state":{"type":"NOPE"}})"), SystemClock().now());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalid);
  std::vector<std::string> fields;
  for (const auto& e : c.error().detail.as_array()) {
    fields.emplace_back(e.as_object().at("loc").as_array().back().as_string());
  }
  EXPECT_NE(std::find(fields.begin(), fields.end(), "flow_id"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "tags"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "type"), fields.end());
  EXPECT_FALSE(parse_flow_run_create(json::parse("[1]"), SystemClock().now()));
}

// Verifies FlowRunUpdate sets only present fields; a null name becomes a slug.
TEST(FlowRun, ParseUpdate) {
  auto u = parse_flow_run_update(json::parse(R"({"name":null,"tags":["t"]})"));
  ASSERT_TRUE(u);
  ASSERT_TRUE(u->name);
  EXPECT_FALSE(u->name->empty());
  EXPECT_FALSE(u->parameters);
  EXPECT_FALSE(u->empirical_policy);
  auto none = parse_flow_run_update(json::parse(R"({"flow_version":"2"})"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->name);
  EXPECT_EQ(none->flow_version, "2");
  EXPECT_FALSE(parse_flow_run_update(json::parse(R"({"parameters":[1]})")));
}

}  // namespace
}  // namespace praetor::core
