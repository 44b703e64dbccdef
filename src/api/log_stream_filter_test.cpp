#include "api/log_stream_filter.h"

#include <gtest/gtest.h>

namespace praetor::api {
namespace {

namespace json = boost::json;

// A core::log_model() object as the create route stores it (timestamps as Prefect's text).
json::object make_log(int64_t level, const char* timestamp, std::optional<std::string> flow_run,
                      std::optional<std::string> task_run) {
  return json::object{{"level", level},
                      {"timestamp", core::format_timestamp(*core::parse_timestamp(timestamp))},
                      {"flow_run_id", flow_run ? json::value(*flow_run) : json::value()},
                      {"task_run_id", task_run ? json::value(*task_run) : json::value()}};
}

LogStreamFilter parse(const char* text) {
  json::value v = json::parse(text);
  auto f = parse_log_stream_filter(&v);
  EXPECT_TRUE(f) << text;
  return f ? *f : LogStreamFilter{};
}

constexpr const char* kRunA = "11111111-1111-1111-1111-111111111111";
constexpr const char* kRunB = "22222222-2222-2222-2222-222222222222";

// Verifies the match of Prefect's log_matches_filter: inclusive level and timestamp bounds,
// flow_run_id any_, task_run_id any_ and is_null_; the client's full model_dump (nulls
// everywhere) matches everything.
TEST(LogStreamFilter, MatchesAsPrefectsStream) {
  auto everything = parse(R"({"level":null,"timestamp":{"before_":null,"after_":null},
      "flow_run_id":{"any_":null},"task_run_id":{"any_":null,"is_null_":null},"text":null,"operator":"and_"})");
  EXPECT_TRUE(matches(everything, make_log(10, "2024-01-01T00:00:00Z", std::nullopt, std::nullopt)));

  auto f = parse(R"({"level":{"ge_":20,"le_":40},
      "timestamp":{"after_":"2024-01-01T00:00:00Z","before_":"2024-01-02T00:00:00+00:00"},
      "flow_run_id":{"any_":["11111111-1111-1111-1111-111111111111"]},"task_run_id":{"is_null_":true}})");
  EXPECT_TRUE(matches(f, make_log(20, "2024-01-01T00:00:00Z", kRunA, std::nullopt)));
  EXPECT_TRUE(matches(f, make_log(40, "2024-01-02T00:00:00Z", kRunA, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(10, "2024-01-01T12:00:00Z", kRunA, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(50, "2024-01-01T12:00:00Z", kRunA, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(20, "2023-12-31T23:59:59Z", kRunA, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(20, "2024-01-02T00:00:01Z", kRunA, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(20, "2024-01-01T12:00:00Z", kRunB, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(20, "2024-01-01T12:00:00Z", std::nullopt, std::nullopt)));
  EXPECT_FALSE(matches(f, make_log(20, "2024-01-01T12:00:00Z", kRunA, kRunB)));

  auto by_task = parse(R"({"task_run_id":{"any_":["22222222-2222-2222-2222-222222222222"]}})");
  EXPECT_TRUE(matches(by_task, make_log(20, "2024-01-01T00:00:00Z", kRunA, kRunB)));
  EXPECT_FALSE(matches(by_task, make_log(20, "2024-01-01T00:00:00Z", kRunA, kRunA)));
}

// Verifies a filter of the wrong shape is refused with the field's name.
TEST(LogStreamFilter, RefusesInvalidFilters) {
  for (const char* text : {R"([])", R"({"level":{"ge_":"high"}})", R"({"timestamp":{"after_":"yesterday"}})",
                           R"({"flow_run_id":{"any_":["not-a-uuid"]}})", R"({"task_run_id":{"is_null_":3}})"}) {
    json::value v = json::parse(text);
    EXPECT_FALSE(parse_log_stream_filter(&v)) << text;
  }
  auto missing = parse_log_stream_filter(nullptr);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(matches(*missing, make_log(0, "2024-01-01T00:00:00Z", std::nullopt, std::nullopt)));
}

}  // namespace
}  // namespace praetor::api
