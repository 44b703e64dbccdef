#include "automations/template.h"

#include <algorithm>
#include <map>
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
std::string object_kind(const core::TemplateExpression& e, const std::map<std::string, std::string, std::less<>>& bound) {
  if (e.literal || e.path.empty()) return "";
  const std::string_view root = e.path[0].get_string();
  if (auto b = bound.find(root); b != bound.end()) return e.path.size() == 1 ? b->second : "";
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

// What a template sees while it renders: the context objects and the loop variables in
// scope, with the kind of Prefect object each loop variable holds ("resource" for an item of
// event.related), as the Python class tells Prefect's filters and iteration.
struct Scope {
  json::object values;
  std::map<std::string, std::string, std::less<>> kinds;
  const std::optional<std::string>& ui_base;
};

core::Result<core::TemplateValue> evaluate(const core::TemplateExpression& e, const Scope& scope) {
  const std::optional<std::string>& ui_base = scope.ui_base;
  core::TemplateValue value = e.literal ? core::TemplateValue(*e.literal) : resolve(e.path, scope.values);
  std::string kind = object_kind(e, scope.kinds);
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

// Python's ==: numbers by value (1 == 1.0), undefined equal only to undefined.
bool equal(const core::TemplateValue& a, const core::TemplateValue& b) {
  if (!a || !b) return !a && !b;
  if (a->is_number() && b->is_number()) return a->to_number<double>() == b->to_number<double>();
  return *a == *b;
}

core::Result<bool> holds(const core::TemplateCondition& condition, const Scope& scope) {
  for (const auto& conjunction : condition) {
    bool all = true;
    for (const core::TemplateComparison& c : conjunction) {
      auto left = evaluate(c.left, scope);
      if (!left) return left.error();
      bool result = core::template_truthy(*left);
      if (!c.op.empty()) {
        auto right = evaluate(c.right, scope);
        if (!right) return right.error();
        result = equal(*left, *right) == (c.op == "==");
      }
      if (result == c.negated) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// The items a {% for %} walks, as Python iterates the object Prefect passes: a list's
// items; a resource (Prefect's RootModel) one ("root", mapping) pair; a context object (a
// Prefect model) its (field, value) pairs; any other mapping its keys; a string its characters.
core::Result<std::vector<json::value>> loop_items(const core::TemplateValue& v, const std::string& kind,
                                                  bool model) {
  std::vector<json::value> items;
  if (!v) return items;  // Jinja's undefined iterates as empty
  switch (v->kind()) {
    case json::kind::array:
      items.assign(v->get_array().begin(), v->get_array().end());
      return items;
    case json::kind::object:
      if (kind == "resource") {  // its labels, without the properties templates see on it (action_context.cpp)
        json::object labels = v->get_object();
        for (const char* property : {"id", "name", "role"}) labels.erase(property);
        items.push_back(json::array{"root", labels});
      } else {
        for (const auto& [key, value] : v->get_object()) {
          items.push_back(model ? json::value(json::array{json::string(key), value}) : json::value(json::string(key)));
        }
      }
      return items;
    case json::kind::string: {
      std::string_view s = v->get_string();
      for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        items.push_back(json::string(s.substr(i, n)));
        i += n;
      }
      return items;
    }
    case json::kind::null: return core::Error::invalid("template: 'NoneType' object is not iterable");
    default: return core::Error::invalid("template: a " + std::string(json::to_string(v->kind())) + " is not iterable");
  }
}

core::Result<std::string> render_parts(const std::vector<core::TemplatePart>& parts, Scope& scope);

core::Result<std::string> render_loop(const core::TemplateFor& loop, Scope& scope) {
  auto iterable = evaluate(loop.iterable, scope);
  if (!iterable) return iterable.error();
  const core::TemplateExpression& e = loop.iterable;
  const bool plain = e.filters.empty() && !e.literal && !e.path.empty();
  const std::string kind = plain ? object_kind(e, scope.kinds) : "";
  const bool model = plain && e.path.size() == 1 && !scope.kinds.contains(e.path[0].get_string()) &&
                     e.path[0].get_string() != "labels";
  const bool related = plain && e.path.size() == 2 && e.path[0] == "event" && e.path[1] == "related";
  auto items = loop_items(*iterable, kind, model);
  if (!items) return items.error();
  if (items->empty()) return render_parts(loop.empty, scope);
  Scope inner{scope.values, scope.kinds, scope.ui_base};
  std::string out;
  const std::size_t n = items->size();
  for (std::size_t i = 0; i < n; ++i) {
    const json::value& item = (*items)[i];
    if (loop.targets.size() == 1) {
      inner.values[loop.targets[0]] = item;
      if (related) inner.kinds[loop.targets[0]] = "resource";
      else inner.kinds.erase(loop.targets[0]);
    } else {
      const json::array* unpack = item.if_array();
      if (!unpack || unpack->size() != loop.targets.size()) {
        return core::Error::invalid("template: cannot unpack " + json::serialize(item) + " into " +
                                    std::to_string(loop.targets.size()) + " loop variables");
      }
      for (std::size_t t = 0; t < loop.targets.size(); ++t) {
        inner.values[loop.targets[t]] = (*unpack)[t];
        inner.kinds.erase(loop.targets[t]);
      }
    }
    const auto k = static_cast<std::int64_t>(i), size = static_cast<std::int64_t>(n);
    inner.values["loop"] = json::object{{"index", k + 1}, {"index0", k}, {"first", i == 0}, {"last", i + 1 == n},
                                        {"length", size}, {"revindex", size - k}, {"revindex0", size - k - 1}};
    auto body = render_parts(loop.body, inner);
    if (!body) return body.error();
    out += *body;
  }
  return out;
}

core::Result<std::string> render_parts(const std::vector<core::TemplatePart>& parts, Scope& scope) {
  std::string out;
  for (const core::TemplatePart& part : parts) {
    if (const auto* literal = std::get_if<std::string>(&part)) {
      out += *literal;
    } else if (const auto* e = std::get_if<core::TemplateExpression>(&part)) {
      auto value = evaluate(*e, scope);
      if (!value) return value.error();
      out += core::template_text(*value);
    } else if (const auto* loop = std::get_if<std::shared_ptr<const core::TemplateFor>>(&part)) {
      auto text = render_loop(**loop, scope);
      if (!text) return text.error();
      out += *text;
    } else {
      const auto& branch = *std::get<std::shared_ptr<const core::TemplateIf>>(part);
      const std::vector<core::TemplatePart>* chosen = &branch.otherwise;
      for (const auto& [condition, body] : branch.branches) {
        auto yes = holds(condition, scope);
        if (!yes) return yes.error();
        if (*yes) {
          chosen = &body;
          break;
        }
      }
      auto text = render_parts(*chosen, scope);
      if (!text) return text.error();
      out += *text;
    }
  }
  return out;
}

// The context names `parts` use, in first-use order, leaving out loop variables in scope.
void collect_names(const std::vector<core::TemplatePart>& parts, std::vector<std::string>& bound,
                   std::vector<std::string>& names) {
  auto add = [&](const core::TemplateExpression& e) {
    if (e.path.empty()) return;
    std::string name(e.path[0].get_string());
    if (std::find(bound.begin(), bound.end(), name) != bound.end()) return;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  };
  auto add_condition = [&](const core::TemplateCondition& c) {
    for (const auto& conjunction : c)
      for (const auto& comparison : conjunction) {
        add(comparison.left);
        add(comparison.right);
      }
  };
  for (const core::TemplatePart& part : parts) {
    if (const auto* e = std::get_if<core::TemplateExpression>(&part)) {
      add(*e);
    } else if (const auto* loop = std::get_if<std::shared_ptr<const core::TemplateFor>>(&part)) {
      add((*loop)->iterable);
      collect_names((*loop)->empty, bound, names);
      const std::size_t depth = bound.size();
      bound.insert(bound.end(), (*loop)->targets.begin(), (*loop)->targets.end());
      bound.push_back("loop");
      collect_names((*loop)->body, bound, names);
      bound.resize(depth);
    } else if (const auto* branch = std::get_if<std::shared_ptr<const core::TemplateIf>>(&part)) {
      for (const auto& [condition, body] : (*branch)->branches) {
        add_condition(condition);
        collect_names(body, bound, names);
      }
      collect_names((*branch)->otherwise, bound, names);
    }
  }
}

}  // namespace

core::Result<std::vector<std::string>> template_names(const std::string& text) {
  auto parts = parse(text);
  if (!parts) return parts.error();
  std::vector<std::string> bound, names;
  collect_names(*parts, bound, names);
  return names;
}

core::Result<std::string> render_template(const std::string& text, const json::object& context,
                                          const std::optional<std::string>& ui_url) {
  auto parts = parse(text);
  if (!parts) return parts.error();
  Scope scope{context, {}, ui_url};
  return render_parts(*parts, scope);
}

}  // namespace praetor::automations
