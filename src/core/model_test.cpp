#include "core/model.h"

#include <gtest/gtest.h>

#include "core/concurrency_limit.h"
#include "core/json_util.h"
#include "core/log.h"
#include "core/model_fields.h"
#include "core/variable.h"
#include "core/work_queue.h"

namespace praetor::core {
namespace {

namespace json = boost::json;

json::array detail_of(const Error& e) { return e.detail.as_array(); }

// Verifies a create body gets its defaults, keeps null as a value for kAny fields and
// leaves the server-set fields to the server.
TEST(Model, ReadCreateFillsDefaults) {
  auto v = read_create(variable_model(), json::parse(R"({"name": "x", "value": null, "id": "ignored"})"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, json::parse(R"({"name": "x", "value": null, "tags": []})").as_object());
}

// Verifies every problem of one body is reported in one 422, in field order, with
// pydantic's types and locations.
TEST(Model, ReadCreateReportsEveryError) {
  auto v = read_create(variable_model(), json::parse(R"({"tags": "x"})"));
  ASSERT_FALSE(v);
  auto d = detail_of(v.error());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].at("type"), "missing");
  EXPECT_EQ(d[0].at("loc"), json::parse(R"(["body", "name"])"));
  EXPECT_EQ(d[1].at("loc"), json::parse(R"(["body", "value"])"));
  EXPECT_EQ(d[2].at("type"), "list_type");
  EXPECT_EQ(d[2].at("loc"), json::parse(R"(["body", "tags"])"));
}

// Verifies a forbid_extra model (an ActionBaseModel) reports each key its action does not
// read as extra_forbidden after the fields' own errors, server-set fields included.
TEST(Model, ForbidExtraReportsUndeclaredKeys) {
  const Model& limits = concurrency_limit_v2_model();
  auto created = read_create(limits, json::parse(R"({"name": "n", "limit": -1, "bogus": 1, "id": "x"})"));
  ASSERT_FALSE(created);
  auto d = detail_of(created.error());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].at("loc"), json::parse(R"(["body", "limit"])"));
  EXPECT_EQ(d[1], json::parse(R"({"type": "extra_forbidden", "loc": ["body", "bogus"],
                                  "msg": "Extra inputs are not permitted", "input": 1})"));
  EXPECT_EQ(d[2].at("loc"), json::parse(R"(["body", "id"])"));
  auto updated = read_update(limits, json::parse(R"({"avg_slot_occupancy_seconds": 1.0})"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(detail_of(updated.error())[0].at("type"), "extra_forbidden");
  // Models without the flag ignore unknown keys (WorkQueueCreate's deprecated `filter`).
  EXPECT_TRUE(read_create(work_queue_model(), json::parse(R"({"name": "q", "filter": {"tags": []}})")));
}

// Verifies null_on_update: an update's explicit null is read as a value (to be written),
// other fields' nulls as absent, and creates read every null as absent.
TEST(Model, NullOnUpdateKeepsExplicitNulls) {
  auto u = read_update(work_queue_model(), json::parse(R"({"concurrency_limit": null, "name": null, "is_paused": null})"));
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(*u, json::parse(R"({"name": null, "concurrency_limit": null})").as_object());
  auto c = read_create(work_queue_model(), json::parse(R"({"name": "q", "priority": null})"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->at("priority").is_null());
  // check_on_update = false: WorkQueueUpdate.name is a plain str.
  EXPECT_TRUE(read_update(work_queue_model(), json::parse(R"({"name": "a/b"})")));
  EXPECT_FALSE(read_create(work_queue_model(), json::parse(R"({"name": "a/b"})")));
}

// Verifies a field's check runs after its type read and reports as pydantic's value_error.
TEST(Model, ChecksReportValueErrors) {
  auto v = read_create(variable_model(), json::parse(R"({"name": "Bad Name", "value": 1})"));
  ASSERT_FALSE(v);
  auto d = detail_of(v.error());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].at("type"), "value_error");
  EXPECT_EQ(d[0].at("msg"),
            "Value error, Variable name must only contain lowercase letters, numbers, and dashes or underscores.");
  EXPECT_EQ(d[0].at("ctx"), json::parse(R"({"error": {}})"));

  std::string long_value(kMaxVariableValueLength, 'x');  // 5002 characters once quoted
  auto big = read_create(variable_model(), json::object{{"name", "ok"}, {"value", long_value}});
  ASSERT_FALSE(big);
  EXPECT_EQ(detail_of(big.error())[0].at("loc"), json::parse(R"(["body", "value"])"));

  auto too_long = read_create(variable_model(), json::object{{"name", std::string(256, 'a')}, {"value", 1}});
  ASSERT_FALSE(too_long);
  EXPECT_EQ(detail_of(too_long.error())[0].at("type"), "too_long");
}

// Verifies an update reads only what was sent, treating null as absent except for kAny and
// null_on_update fields.
TEST(Model, ReadUpdateKeepsOnlyPresentFields) {
  auto v = read_update(variable_model(), json::parse(R"({"tags": null, "value": null, "created": "2020-01-01"})"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, json::parse(R"({"value": null})").as_object());
  // name is null_on_update: VariableUpdate writes the null (and the column refuses it).
  auto named = read_update(variable_model(), json::parse(R"({"name": null})"));
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(*named, json::parse(R"({"name": null})").as_object());
}

// Verifies the response lists the model's fields in order and null for missing ones.
TEST(Model, ResponseFollowsTheModel) {
  json::object stored{{"tags", json::array{}}, {"name", "x"}, {"extra", 1}};
  auto out = to_response(variable_model(), stored);
  std::vector<std::string> keys;
  for (const auto& kv : out) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "created", "updated", "name", "value", "tags"}));
  EXPECT_TRUE(out.at("id").is_null());
}

// Verifies a body that is not an object is pydantic's model_attributes_type at ["body"].
TEST(Model, NonObjectBody) {
  auto v = read_create(variable_model(), json::value(3));
  ASSERT_FALSE(v);
  EXPECT_EQ(detail_of(v.error())[0].at("type"), "model_attributes_type");
}

// Verifies an update body of JSON null is FastAPI's missing body, as a create's is.
TEST(Model, ReadUpdateOfNullIsAMissingBody) {
  auto v = read_update(variable_model(), json::value());
  ASSERT_FALSE(v);
  EXPECT_EQ(detail_of(v.error()),
            json::parse(R"([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": null}])"));
}

// Verifies a v2 concurrency limit takes ConcurrencyLimitV2Create's defaults (the server's
// avg_slot_occupancy_seconds included) and reports negative counts and rates as pydantic's
// ge=0 errors, in field order, with the input as sent.
TEST(Model, ConcurrencyLimitDefaultsAndBounds) {
  const Model& m = concurrency_limit_v2_model();
  auto v = read_create(m, json::parse(R"({"name": "gcl", "limit": "3"})"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(to_json_text(*v),
            R"({"active":true,"name":"gcl","limit":3,"active_slots":0,"denied_slots":0,)"
            R"("slot_decay_per_second":0.0,"avg_slot_occupancy_seconds":2.0})");

  auto bad = read_update(m, json::parse(R"({"name": "a/b", "limit": -1, "slot_decay_per_second": "-0.5"})"));
  ASSERT_FALSE(bad);
  auto d = detail_of(bad.error());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].at("type"), "string_pattern_mismatch");
  EXPECT_EQ(d[1], json::parse(R"({"type": "greater_than_equal", "loc": ["body", "limit"],
      "msg": "Input should be greater than or equal to 0", "input": -1, "ctx": {"ge": 0}})"));
  EXPECT_EQ(d[2].at("loc"), json::parse(R"(["body", "slot_decay_per_second"])"));
  EXPECT_EQ(d[2].at("input"), "-0.5");
}

// Verifies a log item is read at its index in the list body: LogCreate's required fields
// and types, worker_id kept but never answered,
// and a null item is pydantic's model_attributes_type (not a missing body).
TEST(Model, LogCreateItems) {
  const Model& m = log_model();
  auto v = read_create_at(m, json::parse(R"({"name": "ab", "level": "20", "message": "m",
      "timestamp": "2030-01-01T01:00:00+01:00", "worker_id": "11111111-1111-1111-1111-111111111111"})"),
                          json::array{"body", 2});
  ASSERT_TRUE(v) << to_json_text(v.error().detail);
  EXPECT_EQ(v->at("name"), "ab");
  EXPECT_EQ(v->at("message"), "m");
  EXPECT_EQ(v->at("level"), 20);
  EXPECT_EQ(v->at("timestamp"), json::value(format_timestamp(*parse_timestamp("2030-01-01T00:00:00Z"))));
  EXPECT_EQ(v->at("flow_run_id"), nullptr);
  EXPECT_EQ(v->at("worker_id"), "11111111-1111-1111-1111-111111111111");
  EXPECT_FALSE(to_response(m, *v).contains("worker_id"));

  auto bad = read_create_at(m, json::parse(R"({"name": 1, "level": 1.5})"), json::array{"body", 1});
  ASSERT_FALSE(bad);
  auto d = detail_of(bad.error());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].at("loc"), json::parse(R"(["body", 1, "name"])"));
  EXPECT_EQ(d[0].at("type"), "string_type");
  EXPECT_EQ(d[1].at("type"), "int_from_float");
  EXPECT_EQ(d[2].at("loc"), json::parse(R"(["body", 1, "message"])"));
  EXPECT_EQ(d[2].at("type"), "missing");
  EXPECT_EQ(d[3].at("loc"), json::parse(R"(["body", 1, "timestamp"])"));

  auto null_item = read_create_at(m, json::value(), json::array{"body", 0});
  ASSERT_FALSE(null_item);
  EXPECT_EQ(detail_of(null_item.error()), json::parse(R"([{"type": "model_attributes_type", "loc": ["body", 0],
      "msg": "Input should be a valid dictionary or object to extract fields from", "input": null}])"));
}

}  // namespace
}  // namespace praetor::core
