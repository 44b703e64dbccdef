#include "core/state.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

namespace json = boost::json;

// Verifies StateCreate defaults: name from type, scheduled_time for SCHEDULED.
TEST(State, CreateDefaults) {
  auto now = *parse_timestamp("2026-01-01T00:00:00Z");
  auto s = parse_state_create(json::parse(R"({"type":"SCHEDULED"})"), json::array{"body", "state"}, now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "Scheduled");
  EXPECT_EQ(s->state_details["scheduled_time"], "2026-01-01T00:00:00Z");
  auto r = parse_state_create(json::parse(R"({"type":"RUNNING","name":"Retrying","data":{"k":1}})"),
                              json::array{"body"}, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "Retrying");
  EXPECT_EQ(r->data.as_object().at("k"), 1);
}

// Verifies bad state types and ids are 422s that name the field.
TEST(State, CreateRejectsBadInput) {
  auto now = SystemClock().now();
  auto bad = parse_state_create(json::parse(R"({"type":"DONE"})"), json::array{"body", "state"}, now);
  ASSERT_FALSE(bad);
  auto loc = bad.error().detail.as_array()[0].as_object().at("loc").as_array();
  EXPECT_EQ(loc.back(), "type");
  EXPECT_FALSE(parse_state_create(json::parse(R"({"type":"RUNNING","state_details":{"flow_run_id":"x"}})"),
                                  json::array{"body"}, now));
  EXPECT_FALSE(parse_state_create(json::parse(R"({"name":"x"})"), json::array{"body"}, now));
}

// Verifies every StateDetails key is present in the output, with sent values kept.
TEST(State, OutputHasAllDetails) {
  State s;
  s.id = "x";
  s.type = StateType::kCompleted;
  s.name = "Completed";
  s.state_details = {{"flow_run_id", "abc"}, {"custom", 1}};
  auto j = to_json(s);
  auto& d = j["state_details"].as_object();
  EXPECT_EQ(d["flow_run_id"], "abc");
  EXPECT_TRUE(d["task_run_id"].is_null());
  EXPECT_EQ(d["pause_reschedule"], false);
  EXPECT_EQ(d["custom"], 1);
  EXPECT_TRUE(is_final(StateType::kCrashed));
  EXPECT_FALSE(is_final(StateType::kPaused));
}

}  // namespace
}  // namespace praetor::core
