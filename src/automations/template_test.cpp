#include "automations/template.h"

#include <gtest/gtest.h>

namespace praetor::automations {
namespace {

namespace json = boost::json;

// Verifies dotted and ["key"] access, and that a missing attribute renders empty.
TEST(Template, RendersAttributeExpressions) {
  json::object ctx{{"event", json::object{{"resource", json::object{{"prefect.resource.id", "prefect.flow-run.1"}}},
                                          {"event", "prefect.flow-run.Failed"}}},
                   {"flow_run", json::object{{"name", "happy-cat"}}}};
  auto out = render_template("{{ event.event }} on {{ event.resource['prefect.resource.id'] }} ({{flow_run.name}})"
                             "{{ flow_run.missing }}",
                             ctx);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "prefect.flow-run.Failed on prefect.flow-run.1 (happy-cat)");
  auto names = template_names("{{ flow_run.name }} {{ event.id }} {{ flow_run.id }}");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"flow_run", "event"}));
}

// Verifies Jinja beyond the subset is refused by name, never rendered blank.
TEST(Template, RefusesUnsupportedSyntax) {
  for (const char* t : {"{% set x = 1 %}", "{{ x() }}", "{{ 1 + 2 }}", "{{ x | bogus }}"}) {
    auto out = render_template(t, {});
    ASSERT_FALSE(out.ok()) << t;
    EXPECT_NE(out.error().message.find("unsupported template syntax"), std::string::npos) << out.error().message;
  }
  auto open = render_template("{{ open", {});
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("invalid template: unexpected end of template"), std::string::npos);
}

// Verifies the body Prefect's UI (V1) writes for a custom trigger's notification renders as
// Prefect renders it: a resource iterates as the one ("root", labels) pair of its RootModel,
// and a mapping prints as Python's repr.
TEST(Template, RendersTheUiDefaultNotificationBody) {
  json::object resource{{"prefect.resource.id", "a.b"}, {"prefect.resource.name", "nm"}, {"id", "a.b"}, {"name", "nm"}};
  json::object related{{"prefect.resource.id", "c.d"}, {"prefect.resource.role", "flow"}, {"id", "c.d"},
                       {"name", nullptr}, {"role", "flow"}};
  json::object ctx{{"event", json::object{{"id", "e1"}, {"resource", resource}, {"related", json::array{related}}}},
                   {"automation", json::object{{"name", "auto"}}}};
  const std::string body =
      "Automation: {{ automation.name }}\nDescription: {{ automation.description }}\n\nEvent: {{ event.id }}\n"
      "Resource:\n{% for label, value in event.resource %}\n{{ label }}: {{ value }}\n{% endfor %}\n"
      "Related Resources:\n{% for related in event.related %}\n    Role: {{ related.role }}\n"
      "    {% for label, value in related %}\n    {{ label }}: {{ value }}\n    {% endfor %}\n{% endfor %}";
  auto out = render_template(body, ctx);
  ASSERT_TRUE(out.ok()) << out.error().message;
  // What Prefect 3.9.1's renderer gives for the same event (run by hand).
  EXPECT_EQ(*out,
            "Automation: auto\nDescription: \n\nEvent: e1\nResource:\n\nroot: {'prefect.resource.id': 'a.b', "
            "'prefect.resource.name': 'nm'}\n\nRelated Resources:\n\n    Role: flow\n    \n    root: "
            "{'prefect.resource.id': 'c.d', 'prefect.resource.role': 'flow'}\n    \n");
  auto names = template_names(body);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"automation", "event"}));
}

// Verifies for over lists and mappings (keys) with loop.*, its else, if/elif/else with
// ==, !=, not, and, or, and Jinja's {%- -%} whitespace trimming.
TEST(Template, RendersLoopsAndConditions) {
  json::object ctx{{"flow_run", json::object{{"tags", json::array{"a", "b", "c"}}, {"state_type", "FAILED"},
                                             {"parameters", json::object{{"x", 1}, {"y", "it's"}}}}},
                   {"labels", json::object{}}};
  auto out = render_template(
      "{% for t in flow_run.tags %}{{ loop.index }}{{ t }}{% if not loop.last %},{% endif %}{% endfor %}|"
      "{% for k in flow_run.parameters %}{{ k }}{% endfor %}|{% for k in flow_run.missing %}x{% else %}none{% endfor %}|"
      "{% if flow_run.state_type == 'COMPLETED' %}ok{% elif flow_run.state_type != 'FAILED' or flow_run.nope %}other"
      "{% else %}bad{% endif %}|{% if flow_run.tags and not flow_run.nope %}tagged{% endif %}|"
      "{{ flow_run.parameters }} {{ flow_run.tags }}|  {%- if true -%}  trimmed  {%- endif -%}  |",
      ctx);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "1a,2b,3c|xy|none|bad|tagged|{'x': 1, 'y': \"it's\"} ['a', 'b', 'c']|trimmed|");
  auto unpack = render_template("{% for a, b in flow_run.tags %}{% endfor %}", ctx);
  ASSERT_FALSE(unpack.ok());
  EXPECT_NE(unpack.error().message.find("cannot unpack"), std::string::npos);
}

// Verifies Prefect's UI links: by the kind of object the name gives, under PREFECT_UI_URL
// (joined as Python's urljoin joins), None without it or on anything else.
TEST(Template, RendersUiLinks) {
  json::object ctx{{"flow_run", json::object{{"id", "r1"}}}, {"work_pool", json::object{{"id", "p1"}, {"name", "pool a"}}},
                   {"automation", json::object{{"id", "a1"}}},
                   {"event", json::object{{"id", "e1"}, {"occurred", "2026-12-03T10:00:00.000000Z"},
                                          {"resource", json::object{{"prefect.resource.id", "prefect.flow.f1"}}}}},
                   {"x", "text"}};
  auto with = render_template(
      "{{ flow_run|ui_url }} {{ work_pool|ui_url }} {{ event|ui_url }} {{ automation|ui_url }} {{ x|ui_url }} "
      "{{ event.resource|ui_url }} {{ flow_run|ui_resource_events_url }} {{ event.resource|ui_resource_events_url }}",
      ctx, std::string("http://ui.example/prefect"));
  ASSERT_TRUE(with.ok()) << with.error().message;
  EXPECT_EQ(*with,
            "http://ui.example/prefect/runs/flow-run/r1 http://ui.example/prefect/work-pools/work-pool/pool a "
            "http://ui.example/prefect/events/event/2026-12-03/e1 http://ui.example/prefect/automations/automation/a1 "
            "None None http://ui.example/events?resource=prefect.flow-run.r1 "
            "http://ui.example/events?resource=prefect.flow.f1");
  auto without = render_template("{{ flow_run|ui_url }} {{ work_pool|ui_resource_events_url }}", ctx);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(*without, "None events?resource=prefect.work-pool.p1");
}

// Verifies the filters the validator accepts render as Jinja renders them.
TEST(Template, RendersFilters) {
  json::object ctx{{"flow_run", json::object{{"name", "Happy-cat run"}, {"tags", json::array{"a", "b"}},
                                             {"retries", 3}, {"ratio", 2.5}, {"note", nullptr}}},
                   {"text", "see http://ui/runs/flow-run/0b7e5e1a-1c2d-4e3f-8a9b-0c1d2e3f4a5b now"}};
  auto cases = std::vector<std::pair<std::string, std::string>>{
      {"{{ flow_run.missing | default('unknown') }}", "unknown"},
      {"{{ flow_run.note | default('x') }}|{{ flow_run.note | d('x', true) }}", "None|x"},
      {"{{ flow_run.name | lower }} {{ flow_run.name | upper }}", "happy-cat run HAPPY-CAT RUN"},
      {"{{ 'the big-dog (ok)' | title }}|{{ 'hELLO wORLD' | capitalize }}", "The Big-Dog (Ok)|Hello world"},
      {"[{{ '  pad  ' | trim }}]{{ 'xxaxx' | trim('x') }}", "[pad]a"},
      {"{{ flow_run.retries | string }}", "3"},
      {"{{ '42' | int }} {{ '4.9' | int }} {{ 'nope' | int }} {{ 'nope' | int(7) }} {{ 'ff' | int(0, 16) }}",
       "42 4 0 7 255"},
      {"{{ '2.5' | float }} {{ flow_run.retries | float }} {{ 'x' | float }}", "2.5 3.0 0.0"},
      {"{{ flow_run.tags | length }} {{ flow_run.name | length }} {{ flow_run.missing | length }}", "2 13 0"},
      {"{{ flow_run.tags | tojson }} {{ \"<a>\" | tojson }}", "[\"a\", \"b\"] \"\\u003ca\\u003e\""},
      {"{{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '', 1) }}", "a+b+c ab-c"},
      {"{{ 'hello world, here I am' | truncate(12, false, '...', 0) }}", "hello..."},
      {"{{ 'hello world, here I am' | truncate(12, true, '...', 0) }}", "hello wor..."},
      {"{{ 'short' | truncate(12) }}", "short"},
      {"{{ flow_run.ratio | round }} {{ 3.14159 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 7 | round }}",
       "2.0 3.14 3.0 7"},
      {"{{ 'a b/c&d' | urlencode }}", "a%20b/c%26d"},
      {"{{ text | flow_run_id }} {{ 'nothing' | flow_run_id }}", "0b7e5e1a-1c2d-4e3f-8a9b-0c1d2e3f4a5b None"},
      {"{{ flow_run.tags[1] }}{{ flow_run.tags[-1] }}{{ flow_run.tags[5] }}{# dropped #}", "bb"},
  };
  for (const auto& [text, want] : cases) {
    auto out = render_template(text, ctx);
    ASSERT_TRUE(out.ok()) << text << ": " << out.error().message;
    EXPECT_EQ(*out, want) << text;
  }
}

}  // namespace
}  // namespace praetor::automations
