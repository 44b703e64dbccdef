#include "automations/template.h"

#include <algorithm>
#include <variant>

#include "core/template_filters.h"
#include "core/user_template.h"

namespace praetor::automations {

namespace json = boost::json;

namespace {

core::Result<std::vector<core::TemplatePart>> parse(const std::string& text) {
  auto parsed = core::parse_user_template(text);
  if (auto* problem = std::get_if<core::TemplateProblem>(&parsed)) {
    return core::Error::invalid((problem->unsupported ? "unsupported template syntax: " : "invalid template: ") +
                                problem->message + " (line " + std::to_string(problem->line) + ")");
  }
  return std::get<std::vector<core::TemplatePart>>(std::move(parsed));
}

// The value at `path` (a name, then attribute names and keys), or undefined.
core::TemplateValue resolve(const std::vector<json::value>& path, const json::object& context) {
  auto it = context.find(path[0].get_string());
  if (it == context.end()) return std::nullopt;
  const json::value* v = &it->value();
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (const json::object* o = v->if_object(); o && path[i].is_string()) {
      auto f = o->find(path[i].get_string());
      if (f == o->end()) return std::nullopt;
      v = &f->value();
    } else if (const json::array* a = v->if_array(); a && path[i].is_int64()) {
      std::int64_t index = path[i].get_int64();
      if (index < 0) index += static_cast<std::int64_t>(a->size());  // Python's negative index
      if (index < 0 || index >= static_cast<std::int64_t>(a->size())) return std::nullopt;
      v = &(*a)[static_cast<std::size_t>(index)];
    } else {
      return std::nullopt;
    }
  }
  return *v;
}

core::Result<core::TemplateValue> evaluate(const core::TemplateExpression& e, const json::object& context) {
  core::TemplateValue value = e.literal ? core::TemplateValue(*e.literal) : resolve(e.path, context);
  for (const core::TemplateFilterCall& call : e.filters) {
    const core::TemplateFilter* filter = core::find_template_filter(call.name);
    if (!filter || !filter->apply) {
      return core::Error::invalid("unsupported template syntax: Praetor does not render the filter '" + call.name +
                                  "' yet");
    }
    auto next = filter->apply(value, call.args);
    if (!next) return core::Error::invalid("template filter '" + call.name + "': " + next.error().message);
    value = std::move(*next);
  }
  return value;
}

}  // namespace

core::Result<std::vector<std::string>> template_names(const std::string& text) {
  auto parts = parse(text);
  if (!parts) return parts.error();
  std::vector<std::string> names;
  for (const core::TemplatePart& part : *parts) {
    const auto* e = std::get_if<core::TemplateExpression>(&part);
    if (!e || e->path.empty()) continue;
    std::string name(e->path[0].get_string());
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  }
  return names;
}

core::Result<std::string> render_template(const std::string& text, const json::object& context) {
  auto parts = parse(text);
  if (!parts) return parts.error();
  std::string out;
  for (const core::TemplatePart& part : *parts) {
    if (const auto* literal = std::get_if<std::string>(&part)) {
      out += *literal;
      continue;
    }
    auto value = evaluate(std::get<core::TemplateExpression>(part), context);
    if (!value) return value.error();
    out += core::template_text(*value);
  }
  return out;
}

}  // namespace praetor::automations
