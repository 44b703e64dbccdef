// The subset of Jinja that Praetor's automations accept in action templates (a notification's
// subject and body, a webhook's payload, a run-deployment's parameters) and
// /templates/validate: literal text, {# comments #}, {{ expressions }} that are a variable
// path (`flow_run.name`, `event.resource["prefect.resource.id"]`, `x[0]`) or a literal, each
// optionally piped through the filters of core/template_filters.h with literal arguments;
// and the statements Prefect's UI writes into its default notification bodies:
// {% for a[, b] in expression %} … [{% else %} …] {% endfor %} (with loop.index, index0,
// first, last, length) and {% if condition %} … {% elif condition %} … {% else %} …
// {% endif %}, a condition being expressions joined by `==`/`!=`, `not`, `and`, `or`.
// `{%-` and `-%}` trim whitespace as in Jinja. Anything else Prefect's full Jinja would
// accept (set, macros, arithmetic, calls, tests) is refused by name, so a template is never
// silently rendered differently than written.
//
// One parser serves both: /templates/validate and the action validators check that a
// template parses; the automations engine renders the parsed form (automations/template.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json.hpp>

namespace praetor::core {

struct TemplateFilterCall {
  std::string name;                     // a filter core/template_filters.h defines
  std::vector<boost::json::value> args;  // literal arguments, in order
};

// A {{ … }} body: a literal, or a path (a name, then attribute names and literal keys).
struct TemplateExpression {
  std::optional<boost::json::value> literal;
  std::vector<boost::json::value> path;  // path[0] is the name (a string); then keys (strings or integers)
  std::vector<TemplateFilterCall> filters;
};

struct TemplateFor;
struct TemplateIf;

// Literal text, one expression, or a statement block, in template order (comments dropped).
using TemplatePart =
    std::variant<std::string, TemplateExpression, std::shared_ptr<const TemplateFor>, std::shared_ptr<const TemplateIf>>;

// {% for targets in iterable %} body {% else %} empty {% endfor %}
struct TemplateFor {
  std::vector<std::string> targets;  // one name, or several that unpack each item
  TemplateExpression iterable;
  std::vector<TemplatePart> body;
  std::vector<TemplatePart> empty;  // rendered when there is nothing to iterate
};

// `a == b`, `a != b`, or `a` (its truth), negated by `not`.
struct TemplateComparison {
  bool negated = false;
  TemplateExpression left;
  std::string op;  // "", "==" or "!="
  TemplateExpression right;
};
// Alternatives (or) of conjunctions (and) of comparisons.
using TemplateCondition = std::vector<std::vector<TemplateComparison>>;

// {% if %} … {% elif %} … {% else %} … {% endif %}: the first branch whose condition holds.
struct TemplateIf {
  std::vector<std::pair<TemplateCondition, std::vector<TemplatePart>>> branches;
  std::vector<TemplatePart> otherwise;
};

struct TemplateProblem {
  int line = 1;         // 1-based line of the problem, as Jinja's lineno
  std::string message;  // Jinja's message for syntax errors Jinja also refuses; else names the unsupported part
  bool unsupported = false;  // valid Jinja that Praetor does not render
};

// The parts of `text`, or the first problem.
std::variant<std::vector<TemplatePart>, TemplateProblem> parse_user_template(std::string_view text);

// nullopt when `text` is a template Praetor renders.
std::optional<TemplateProblem> check_user_template(std::string_view text);

// Prefect's maybe_template: the text holds "{{" or "{%" (worth checking as a template).
bool maybe_template(std::string_view text);

}  // namespace praetor::core
