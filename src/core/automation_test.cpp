#include "core/automation.h"

#include <gtest/gtest.h>

#include "core/pydantic_types.h"
#include "core/user_template.h"

namespace praetor::core {
namespace {

namespace json = boost::json;

Result<AutomationBody> read(std::string_view text) { return read_automation_body(json::parse(text)); }

// Verifies a minimal body gets Prefect's defaults: an event trigger with every field, a new
// trigger id, empty action lists, and owner_resource kept apart from the automation.
TEST(Automation, ReadFillsPrefectDefaults) {
  auto a = read(R"({"name": "a", "trigger": {"posture": "Reactive", "id": "6d0f0f58-6b7b-4b7c-9f3c-6d5f5a1a2b3c"}, "actions": [{"type": "do-nothing"}],
                    "owner_resource": "prefect.deployment.1"})");
  ASSERT_TRUE(a) << a.error().message;
  const json::object& trigger = a->automation.at("trigger").as_object();
  EXPECT_EQ(trigger.at("type"), "event");
  EXPECT_NE(trigger.at("id"), "6d0f0f58-6b7b-4b7c-9f3c-6d5f5a1a2b3c");  // reset_ids
  EXPECT_EQ(trigger.at("id").as_string().size(), 36u);
  EXPECT_EQ(trigger.at("within"), 0.0);
  EXPECT_EQ(trigger.at("threshold"), 1);
  EXPECT_EQ(trigger.at("match"), json::object{});
  EXPECT_EQ(a->automation.at("actions_on_resolve"), json::array{});
  EXPECT_EQ(a->automation.at("enabled"), true);
  EXPECT_EQ(a->owner_resource, "prefect.deployment.1");
  EXPECT_FALSE(a->automation.contains("owner_resource"));
}

// Verifies a proactive trigger's `within` defaults to 10 s and a shorter one is the model
// validator's value error at the union member.
TEST(Automation, ProactiveWithinRules) {
  auto ok = read(R"({"name": "a", "trigger": {"posture": "Proactive", "within": "PT0S"}, "actions": []})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->automation.at("trigger").at("within"), 10.0);
  auto bad = read(R"({"name": "a", "trigger": {"posture": "Proactive", "within": 5}, "actions": []})");
  ASSERT_FALSE(bad);
  const json::array& d = bad.error().detail.as_array();
  EXPECT_EQ(d[0].at("loc"), json::parse(R"(["body", "trigger", "EventTrigger"])"));
}

// Verifies a bad action type reports each of the 17 members under its tag, and a
// selected run-deployment without its id is the validator's error.
TEST(Automation, UnknownActionReportsEveryMember) {
  auto bad = read(R"({"name": "a", "trigger": {"posture": "Reactive"}, "actions": [{"type": "nope"}]})");
  ASSERT_FALSE(bad);
  // 17 literal errors, plus ChangeFlowRunState.state, SendNotification's block and body and
  // CallWebhook's block missing.
  EXPECT_EQ(bad.error().detail.as_array().size(), 21u);
}

// Verifies the timedelta forms pydantic accepts.
TEST(Automation, TimedeltaForms) {
  EXPECT_EQ(parse_timedelta(json::value(90)), 90.0);
  EXPECT_EQ(parse_timedelta(json::value("PT1M30S")), 90.0);
  EXPECT_EQ(parse_timedelta(json::value("01:30")), 5400.0);
  EXPECT_EQ(parse_timedelta(json::value("00:01:30")), 90.0);
  EXPECT_EQ(parse_timedelta(json::value("P1D")), 86400.0);
  EXPECT_FALSE(parse_timedelta(json::value("abc")));
}

// Verifies the template subset: paths, literal keys, listed filters, for and if pass; other
// statements, calls, private names and unknown filters are refused as unsupported; unclosed
// and stray block tags are Jinja's syntax errors; an unterminated
// expression is Jinja's syntax error with its line.
TEST(UserTemplate, Subset) {
  EXPECT_FALSE(check_user_template("plain"));
  EXPECT_FALSE(check_user_template("{{ flow_run.name }} {{ event.resource['prefect.resource.id'] | upper }}"));
  EXPECT_FALSE(check_user_template("{{ x | default('none') }}{# note #}"));
  EXPECT_FALSE(check_user_template("{% for k, v in y %}{{ k }}{% else %}-{% endfor %}"));
  EXPECT_FALSE(check_user_template("{%- if a.b == 'x' and not c or d != 1 -%}y{% elif e %}z{% else %}w{% endif %}"));
  auto statement = check_user_template("{% set x = 1 %}");
  ASSERT_TRUE(statement);
  EXPECT_TRUE(statement->unsupported);
  auto unclosed = check_user_template("{% for x in y %}\n{{ x }}");
  ASSERT_TRUE(unclosed);
  EXPECT_FALSE(unclosed->unsupported);
  EXPECT_EQ(unclosed->line, 2);
  auto stray = check_user_template("{% endif %}");
  ASSERT_TRUE(stray);
  EXPECT_EQ(stray->message, "Encountered unknown tag 'endif'.");
  EXPECT_TRUE(check_user_template("{{ x.__class__ }}")->unsupported);
  EXPECT_TRUE(check_user_template("{{ x() }}")->unsupported);
  EXPECT_TRUE(check_user_template("{{ x | bogus }}")->unsupported);
  auto open = check_user_template("a\nb {{ x");
  ASSERT_TRUE(open);
  EXPECT_FALSE(open->unsupported);
  EXPECT_EQ(open->line, 2);
  EXPECT_EQ(open->message, "unexpected end of template, expected 'end of print statement'.");
}

}  // namespace
}  // namespace praetor::core
