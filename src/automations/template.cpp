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

// The kind of Prefect object an expression names (flow-run, deployment, …, resource), as
// the model class tells Prefect's link filters; "" when it names none.
std::string object_kind(const core::TemplateExpression& e) {
  if (e.literal || e.path.empty()) return "";
  const std::string_view root = e.path[0].get_string();
  if (e.path.size() == 1) {
    for (auto [name, kind] : {std::pair{"flow_run", "flow-run"}, {"deployment", "deployment"}, {"flow", "flow"},
                              {"work_pool", "work-pool"}, {"work_queue", "work-queue"}, {"automation", "automation"},
                              {"event", "received-event"}}) {
      if (root == name) return kind;
    }
    return "";
  }
  if (root == "event" && e.path[1].is_string()) {
    const std::string_view member = e.path[1].get_string();
    const bool one_resource = e.path.size() == 2 ? member == "resource"
                                                 : e.path.size() == 3 && (member == "related" || member == "resource_in_role" ||
                                                                          member == "involved_resources");
    if (one_resource) return "resource";
  }
  return "";
}

std::string id_of(const json::value& v, std::string_view key = "id") {
  const json::value* id = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return id && id->is_string() ? std::string(id->get_string()) : std::string();
}

// Python's urljoin(base, relative) for a relative path without a leading "/": it replaces
// the base's last path segment.
std::string url_join(const std::string& base, const std::string& relative) {
  std::string b = base.substr(0, base.find_first_of("?#"));
  auto authority = b.find("://");
  auto path_start = b.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (path_start == std::string::npos) return b + "/" + relative;
  return b.substr(0, b.rfind('/') + 1) + relative;
}

// Prefect's ui_url (prefect.utilities.urls.url_for with its UI formats).
core::TemplateValue ui_url(const std::string& kind, const core::TemplateValue& value,
                           const std::optional<std::string>& base) {
  if (!value || !base || base->empty()) return json::value(nullptr);
  std::string path;
  if (kind == "received-event") {
    std::string occurred = id_of(*value, "occurred");
    if (occurred.size() < 10 || id_of(*value).empty()) return json::value(nullptr);
    path = "events/event/" + occurred.substr(0, 10) + "/" + id_of(*value);
  } else if (kind == "work-pool") {
    if (id_of(*value, "name").empty()) return json::value(nullptr);
    path = "work-pools/work-pool/" + id_of(*value, "name");
  } else {
    static const std::pair<const char*, const char*> kFormats[] = {
        {"flow-run", "runs/flow-run/"}, {"deployment", "deployments/deployment/"}, {"flow", "flows/flow/"},
        {"work-queue", "work-queues/work-queue/"}, {"automation", "automations/automation/"}};
    for (auto [k, prefix] : kFormats)
      if (kind == k) path = prefix;
    if (path.empty() || id_of(*value).empty()) return json::value(nullptr);
    path += id_of(*value);
  }
  return json::value(url_join(base->ends_with("/") ? *base : *base + "/", path));
}

// Prefect's ui_resource_events_url: the UI's events page filtered to the object.
core::TemplateValue ui_resource_events_url(const std::string& kind, const core::TemplateValue& value,
                                           const std::optional<std::string>& base) {
  if (!value) return json::value(nullptr);
  std::string resource;
  if (kind == "resource") {
    resource = id_of(*value, "prefect.resource.id");
  } else if (kind != "received-event" && !kind.empty() && !id_of(*value).empty()) {
    resource = "prefect." + kind + "." + id_of(*value);
  }
  if (resource.empty()) return json::value(nullptr);
  std::string link = "events?resource=" + resource;
  return json::value(base && !base->empty() ? url_join(*base, link) : link);
}

core::Result<core::TemplateValue> evaluate(const core::TemplateExpression& e, const json::object& context,
                                           const std::optional<std::string>& ui_base) {
  core::TemplateValue value = e.literal ? core::TemplateValue(*e.literal) : resolve(e.path, context);
  std::string kind = object_kind(e);
  for (const core::TemplateFilterCall& call : e.filters) {
    if (call.name == "ui_url" || call.name == "ui_resource_events_url") {
      value = call.name == "ui_url" ? ui_url(kind, value, ui_base) : ui_resource_events_url(kind, value, ui_base);
      kind.clear();  // the link is a string, not the object
      continue;
    }
    kind.clear();
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

core::Result<std::string> render_template(const std::string& text, const json::object& context,
                                          const std::optional<std::string>& ui_url) {
  auto parts = parse(text);
  if (!parts) return parts.error();
  std::string out;
  for (const core::TemplatePart& part : *parts) {
    if (const auto* literal = std::get_if<std::string>(&part)) {
      out += *literal;
      continue;
    }
    auto value = evaluate(std::get<core::TemplateExpression>(part), context, ui_url);
    if (!value) return value.error();
    out += core::template_text(*value);
  }
  return out;
}

}  // namespace praetor::automations
