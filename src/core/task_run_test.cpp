#include "core/task_run.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

namespace json = boost::json;

Timestamp at(const char* text) { return *parse_timestamp(text); }

// Verifies a minimal TaskRunCreate gets Prefect's defaults, and the response has every
// field of Prefect's TaskRun with its default.
TEST(TaskRun, CreateDefaultsAndResponseShape) {
  auto parsed = parse_task_run_create(json::parse(R"({"task_key":"k","dynamic_key":"0"})"), at("2026-01-01T00:00:00Z"));
  ASSERT_TRUE(parsed);
  TaskRun t = parsed->run;
  EXPECT_FALSE(t.name.empty());
  EXPECT_FALSE(parsed->id);
  EXPECT_FALSE(parsed->initial_state);
  t.id = "ba63b290-e88e-48a3-9254-1765af4d31f5";
  t.created = t.updated = at("2026-01-01T00:00:00Z");
  json::object j = to_json(t, at("2026-01-01T00:00:01Z"));
  const char* keys[] = {"id", "created", "updated", "name", "flow_run_id", "task_key", "dynamic_key", "cache_key",
                        "cache_expiration", "task_version", "empirical_policy", "tags", "labels", "state_id",
                        "task_inputs", "state_type", "state_name", "run_count", "flow_run_run_count",
                        "expected_start_time", "next_scheduled_start_time", "start_time", "end_time",
                        "total_run_time", "estimated_run_time", "estimated_start_time_delta", "state"};
  EXPECT_EQ(j.size(), std::size(keys));
  for (const char* k : keys) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["empirical_policy"], json::parse(
      R"({"max_retries":0,"retry_delay_seconds":0.0,"retries":null,"retry_delay":null,"retry_jitter_factor":null})"));
  EXPECT_TRUE(j["state"].is_null());
  EXPECT_EQ(j["total_run_time"].as_double(), 0.0);
}

// Verifies missing required fields and bad types give pydantic-shaped 422 entries.
TEST(TaskRun, CreateValidation) {
  auto parsed = parse_task_run_create(json::parse(R"({"name":"x","tags":"nope"})"), at("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(parsed);
  const json::array& detail = parsed.error().detail.as_array();
  ASSERT_EQ(detail.size(), 3u);
  EXPECT_EQ(detail[0].at("loc"), json::parse(R"(["body","task_key"])"));
  EXPECT_EQ(detail[0].at("type"), "missing");
  auto bad_state = parse_task_run_create(json::parse(R"({"task_key":"k","dynamic_key":"0","state":{"type":"BAD"}})"),
                                         at("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(bad_state);
  EXPECT_EQ(bad_state.error().detail.as_array()[0].at("loc"), json::parse(R"(["body","state","type"])"));
  auto bad_id = parse_task_run_create(json::parse(R"({"task_key":"k","dynamic_key":"0","id":"zz"})"),
                                      at("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(bad_id);
}

// Verifies the deprecated policy fields fill retries/retry_delay as Prefect's validator does.
TEST(TaskRun, PolicyDeprecatedFallbacks) {
  auto p = task_run_policy_from_json(json::parse(R"({"max_retries":2,"retry_delay_seconds":3})").as_object());
  EXPECT_EQ(p.retries, 2);
  EXPECT_EQ(p.retry_delay, json::value(3));
  auto q = task_run_policy_from_json(json::parse(R"({"retries":1,"retry_delay":[1,5,9]})").as_object());
  EXPECT_EQ(q.base_delay_for(1), 1.0);
  EXPECT_EQ(q.base_delay_for(3), 9.0);
  EXPECT_EQ(q.base_delay_for(7), 9.0);
  EXPECT_EQ(TaskRunPolicy{}.base_delay_for(1), 0.0);
}

// Verifies the live estimates: run time grows while RUNNING, lateness counts before start.
TEST(TaskRun, Estimates) {
  TaskRun t;
  t.total_run_time = std::chrono::seconds(2);
  t.expected_start_time = at("2026-01-01T00:00:00Z");
  State s;
  s.type = StateType::kRunning;
  s.timestamp = at("2026-01-01T00:00:10Z");
  t.state = s;
  t.start_time = at("2026-01-01T00:00:04Z");
  json::object j = to_json(t, at("2026-01-01T00:00:13Z"));
  EXPECT_DOUBLE_EQ(j["estimated_run_time"].as_double(), 5.0);
  EXPECT_DOUBLE_EQ(j["estimated_start_time_delta"].as_double(), 4.0);
  t.start_time.reset();
  t.state->type = StateType::kPending;
  j = to_json(t, at("2026-01-01T00:00:13Z"));
  EXPECT_DOUBLE_EQ(j["estimated_start_time_delta"].as_double(), 13.0);
}

}  // namespace
}  // namespace praetor::core
