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
  for (const char* t : {"{% if x %}y{% endif %}", "{{ x | upper }}", "{{ x() }}", "{{ 1 + 2 }}", "{{ open"}) {
    auto out = render_template(t, {});
    ASSERT_FALSE(out.ok()) << t;
    EXPECT_NE(out.error().message.find("unsupported template syntax"), std::string::npos);
  }
}

}  // namespace
}  // namespace praetor::automations
