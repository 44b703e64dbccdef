// The subset of Jinja that Praetor's automations accept in action templates (a notification's
// subject and body, a webhook's payload, a run-deployment's parameters) and
// /templates/validate: literal text, {# comments #}, and {{ expressions }} that are a
// variable path (`flow_run.name`, `event.resource["prefect.resource.id"]`, `x[0]`) or a
// literal, each optionally piped through the filters in kTemplateFilters with literal
// arguments. Statements ({% … %}: loops, conditions) are refused by name, as is anything
// else Prefect's full Jinja would accept, so a template is never silently rendered
// differently than written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace praetor::core {

// The filters accepted: a few of Jinja's built-ins and Prefect's event filters
// (server/events/jinja_filters.py).
extern const std::vector<std::string_view> kTemplateFilters;

struct TemplateProblem {
  int line = 1;         // 1-based line of the problem, as Jinja's lineno
  std::string message;  // Jinja's message for syntax errors Jinja also refuses; else names the unsupported part
  bool unsupported = false;  // valid Jinja that Praetor does not render
};

// nullopt when `text` is a template Praetor renders.
std::optional<TemplateProblem> check_user_template(std::string_view text);

// Prefect's maybe_template: the text holds "{{" or "{%" (worth checking as a template).
bool maybe_template(std::string_view text);

}  // namespace praetor::core
