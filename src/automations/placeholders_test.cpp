#include "automations/placeholders.h"

#include <gtest/gtest.h>

namespace praetor::automations {
namespace {

namespace json = boost::json;

json::value applied(const char* template_json, const json::object& values) {
  auto r = apply_placeholders(json::parse(template_json), values);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : json::value(nullptr);
}

TEST(Placeholders, AWholePlaceholderKeepsTheValuesType) {
  json::object values{{"token", "s3cret"}, {"n", 3}, {"nested", json::object{{"list", json::array{1, 2}}}}};
  EXPECT_EQ(applied(R"({"a": "{{token}}", "b": "{{ n }}", "c": "{{ nested.list[1] }}"})", values),
            json::parse(R"({"a": "s3cret", "b": 3, "c": 2})"));
}

TEST(Placeholders, TextAroundPlaceholdersGetsTheirText) {
  json::object values{{"subject", "Run failed"}, {"body", "flow x"}, {"ok", true}, {"none", nullptr}};
  EXPECT_EQ(applied(R"(["{{subject}}\n{{ body }}!", "{{ok}}/{{none}}/{{missing}}"])", values),
            json::parse(R"(["Run failed\nflow x!", "True/None/"])"));
}

TEST(Placeholders, AnUnknownWholePlaceholderDropsItsKeyOrItem) {
  EXPECT_EQ(applied(R"({"keep": "x", "drop": "{{ nope }}", "list": ["{{nope}}", "y"]})", {}),
            json::parse(R"({"keep": "x", "list": ["y"]})"));
}

TEST(Placeholders, BlockAndVariableReferencesStayAsWrittenAndValuesAreNotReexpanded) {
  json::object values{{"a", "{{ b }}"}, {"b", "no"}};
  EXPECT_EQ(applied(R"(["{{ prefect.variables.x }}", "v={{ prefect.blocks.secret.y }} {{a}}", "{{a}}"])", values),
            json::parse(R"(["{{ prefect.variables.x }}", "v={{ prefect.blocks.secret.y }} {{ b }}", "{{ b }}"])"));
}

TEST(Placeholders, EnvironmentVariablesAreRefusedByName) {
  auto r = apply_placeholders(json::parse(R"({"h": "Bearer {{ $HOME }}"})"), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("$HOME"), std::string::npos);
}

TEST(Placeholders, NonStringsAndBracesThatAreNotPlaceholdersPassThrough) {
  EXPECT_EQ(applied(R"({"n": 1, "b": false, "z": null, "t": "{{{ x }}} and { y } and {{ }}"})", {{"x", "X"}}),
            json::parse(R"({"n": 1, "b": false, "z": null, "t": "{X} and { y } and {{ }}"})"));
}

}  // namespace
}  // namespace praetor::automations
