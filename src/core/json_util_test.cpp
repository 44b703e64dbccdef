#include "core/json_util.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

// Verifies doubles are written as Python's json module writes them.
TEST(JsonText, PythonFloatRepr) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},       {2.0, "2.0"},         {-2.5, "-2.5"},       {0.1, "0.1"},
      {1.5, "1.5"},       {0.0001, "0.0001"},   {0.00001, "1e-05"},   {123456.789, "123456.789"},
      {1e15, "1000000000000000.0"},             {1e16, "1e+16"},      {1.5e16, "1.5e+16"},
      {3.14159, "3.14159"}, {1e-300, "1e-300"}, {-0.000123, "-0.000123"},
  };
  for (const auto& [d, expected] : cases) EXPECT_EQ(to_json_text(json::value(d)), expected) << d;
}

// Verifies nested structures, strings with escapes and integers are unchanged.
TEST(JsonText, Structures) {
  json::value v = json::parse(R"({"a":[1,2.0,"x\"y",null,true],"b":{"c":-3}})");
  EXPECT_EQ(to_json_text(v), R"({"a":[1,2.0,"x\"y",null,true],"b":{"c":-3}})");
  EXPECT_EQ(to_json_text(json::value(std::nan(""))), "null");
}

// Verifies FieldReader collects typed errors and ignores unknown fields.
TEST(FieldReader, CollectsErrors) {
  json::value body = json::parse(R"({"name":5,"count":"x","id":"nope","extra":1,"when":"2026-01-01T00:00:00Z"})");
  FieldReader r(body, json::array{"body"});
  EXPECT_FALSE(r.string("name"));
  EXPECT_FALSE(r.integer("count"));
  EXPECT_FALSE(r.uuid("id"));
  EXPECT_TRUE(r.timestamp("when"));
  EXPECT_FALSE(r.string("missing", true));
  ASSERT_FALSE(r.ok());
  auto detail = r.error().detail.as_array();
  ASSERT_EQ(detail.size(), 4u);
  EXPECT_EQ(detail[0].as_object().at("type"), "string_type");
  EXPECT_EQ(detail[3].as_object().at("type"), "missing");
}

}  // namespace
}  // namespace praetor::core
