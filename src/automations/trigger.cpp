#include "automations/trigger.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "automations/glob.h"

namespace praetor::automations {

namespace json = boost::json;

namespace {

std::optional<std::string> label_of(const json::object& o, std::string_view label) {
  auto it = o.find(label);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

// Prefect's event_pattern: each expect/after pattern escaped with `*` as `.+`, matched at
// the start of the name (re.match), so "a.*" needs at least one character after "a.".
bool event_pattern_matches(std::string_view pattern, std::string_view name) {
  // Translate to a glob where `*` needs one character: consume one, then glob the rest
  // with a trailing `*` (re.match does not anchor the end).
  std::string glob;
  for (char c : pattern) {
    if (c == '*') {
      glob += "?*";
    } else if (c == '?') {
      glob += '?';  // escaped by re.escape in Prefect: a literal '?'; rare enough to glob
    } else {
      glob += c;
    }
  }
  glob += '*';
  return glob_match(glob, name);
}

core::Result<std::vector<std::string>> string_set(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  const json::array* a = it->value().if_array();
  if (!a) return core::Error::invalid(std::string(key) + " must be a list of strings");
  for (const auto& v : *a) {
    if (!v.is_string()) return core::Error::invalid(std::string(key) + " must be a list of strings");
    std::string s(v.get_string());
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::optional<std::string> find_resource_label(const events::Event& e, std::string_view label) {
  // "related:<role>:<label>": rpartition on ':' for the label, then partition the rest.
  auto last = label.rfind(':');
  if (last != std::string_view::npos) {
    std::string_view directive = label.substr(0, last);
    std::string_view related_label = label.substr(last + 1);
    auto first = directive.find(':');
    std::string_view head = directive.substr(0, first);
    std::string_view role = first == std::string_view::npos ? std::string_view{} : directive.substr(first + 1);
    if (head == "related") {
      for (const auto& r : e.related) {
        const json::object* o = r.if_object();
        if (!o) continue;
        if (label_of(*o, "prefect.resource.role") == std::string(role)) return label_of(*o, related_label);
      }
    }
  }
  return label_of(e.resource, label);
}

bool Trigger::covers_name(std::string_view event_name) const {
  if (expect.empty()) return true;
  for (const auto* set : {&expect, &after}) {
    for (const auto& p : *set) {
      if (event_pattern_matches(p, event_name)) return true;
    }
  }
  return false;
}

bool Trigger::covers_resources(const events::Event& e) const {
  if (!match.includes({&e.resource})) return false;
  std::vector<const json::object*> related;
  for (const auto& r : e.related) {
    if (const json::object* o = r.if_object()) related.push_back(o);
  }
  for (const auto& spec : match_related) {
    if (!spec.includes(related)) return false;
  }
  return true;
}

std::optional<std::pair<std::string, bool>> Trigger::required_resource_id() const {
  if (auto id = match.exact_value("prefect.resource.id")) return std::pair{std::move(*id), true};
  for (const auto& spec : match_related) {
    if (auto id = spec.exact_value("prefect.resource.id")) return std::pair{std::move(*id), false};
  }
  return std::nullopt;
}

bool Trigger::expects(std::string_view name) const {
  if (expect.empty()) return true;
  for (const auto& p : expect) {
    if (label_matches(p, &name)) return true;
  }
  return false;
}

bool Trigger::starts_after(std::string_view name) const {
  for (const auto& p : after) {
    if (label_matches(p, &name)) return true;
  }
  return false;
}

bool Trigger::meets_threshold(int64_t count) const {
  if (posture == Posture::kReactive) return count >= threshold;
  return count < threshold;
}

std::vector<std::string> Trigger::bucketing_key(const events::Event& e) const {
  std::vector<std::string> key;
  key.reserve(for_each.size());
  for (const auto& label : for_each) key.push_back(find_resource_label(e, label).value_or(""));
  return key;
}

std::size_t Trigger::num_expected_firings() const {
  if (kind == TriggerKind::kSequence) return children.size();
  if (require == "any") return 1;
  if (require == "all") return children.size();
  return static_cast<std::size_t>(std::stoll(require));
}

std::string_view Trigger::type_name() const {
  switch (kind) {
    case TriggerKind::kEvent:
      return "event";
    case TriggerKind::kCompound:
      return "compound";
    case TriggerKind::kSequence:
      return "sequence";
  }
  return "event";
}

std::optional<std::chrono::microseconds> parse_duration(const json::value& v) {
  if (v.is_number()) {
    double s = v.to_number<double>();
    if (!std::isfinite(s)) return std::nullopt;
    return std::chrono::microseconds(static_cast<int64_t>(std::llround(s * 1e6)));
  }
  if (!v.is_string()) return std::nullopt;
  static const std::regex iso(R"(^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$)");
  std::string text(v.get_string());
  std::smatch m;
  if (std::regex_match(text, m, iso)) {
    double s = 0;
    const double scale[] = {0, 86400, 3600, 60, 1};
    for (int i = 1; i <= 4; ++i) {
      if (m[i].matched) s += std::stod(m[i].str()) * scale[i];
    }
    return std::chrono::microseconds(static_cast<int64_t>(std::llround(s * 1e6)));
  }
  try {
    std::size_t used = 0;
    double s = std::stod(text, &used);
    if (used == text.size() && std::isfinite(s)) return std::chrono::microseconds(static_cast<int64_t>(std::llround(s * 1e6)));
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

core::Result<Trigger> parse_trigger(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return core::Error::invalid("a trigger must be an object");
  Trigger t;
  auto type_it = o->find("type");
  std::string type = type_it != o->end() && type_it->value().is_string() ? std::string(type_it->value().get_string()) : "event";
  if (auto id = o->find("id"); id != o->end() && id->value().is_string()) t.id = std::string(id->value().get_string());

  if (type == "compound" || type == "sequence") {
    t.kind = type == "compound" ? TriggerKind::kCompound : TriggerKind::kSequence;
    auto children = o->find("triggers");
    if (children == o->end() || !children->value().is_array()) return core::Error::invalid("triggers must be a list");
    for (const auto& c : children->value().get_array()) {
      auto child = parse_trigger(c);
      if (!child) return child.error();
      t.children.push_back(std::move(*child));
    }
    if (auto w = o->find("within"); w != o->end() && !w->value().is_null()) {
      auto d = parse_duration(w->value());
      if (!d) return core::Error::invalid("within must be a duration");
      t.composite_within = *d;
    }
    if (t.kind == TriggerKind::kCompound) {
      auto r = o->find("require");
      if (r == o->end()) return core::Error::invalid("require is required");
      if (r->value().is_string()) {
        t.require = std::string(r->value().get_string());
        if (t.require != "any" && t.require != "all") return core::Error::invalid("require must be any, all or a number");
      } else if (r->value().is_int64() || r->value().is_uint64()) {
        int64_t n = r->value().to_number<int64_t>();
        if (n < 1) return core::Error::invalid("require must be at least 1");
        if (static_cast<std::size_t>(n) > t.children.size())
          return core::Error::invalid("require must be less than or equal to the number of triggers");
        t.require = std::to_string(n);
      } else {
        return core::Error::invalid("require must be any, all or a number");
      }
    }
    return t;
  }
  if (type != "event") return core::Error::invalid("unsupported trigger type " + type);

  if (auto m = o->find("match"); m != o->end()) {
    auto spec = ResourceSpec::parse(m->value());
    if (!spec) return spec.error();
    t.match = std::move(*spec);
  }
  if (auto m = o->find("match_related"); m != o->end()) {
    if (const json::array* a = m->value().if_array()) {
      for (const auto& item : *a) {
        auto spec = ResourceSpec::parse(item);
        if (!spec) return spec.error();
        t.match_related.push_back(std::move(*spec));
      }
    } else {
      auto spec = ResourceSpec::parse(m->value());
      if (!spec) return spec.error();
      t.match_related.push_back(std::move(*spec));
    }
  }
  auto after = string_set(*o, "after");
  if (!after) return after.error();
  t.after = std::move(*after);
  auto expect = string_set(*o, "expect");
  if (!expect) return expect.error();
  t.expect = std::move(*expect);
  auto for_each = string_set(*o, "for_each");
  if (!for_each) return for_each.error();
  t.for_each = std::move(*for_each);
  std::sort(t.for_each.begin(), t.for_each.end());

  auto posture = o->find("posture");
  std::string p = posture != o->end() && posture->value().is_string() ? std::string(posture->value().get_string()) : "";
  if (p == "Reactive") {
    t.posture = Posture::kReactive;
  } else if (p == "Proactive") {
    t.posture = Posture::kProactive;
  } else {
    return core::Error::invalid("posture must be Reactive or Proactive");
  }
  if (auto th = o->find("threshold"); th != o->end() && !th->value().is_null()) {
    if (!th->value().is_int64() && !th->value().is_uint64()) return core::Error::invalid("threshold must be an integer");
    t.threshold = th->value().to_number<int64_t>();
  }
  if (auto w = o->find("within"); w != o->end() && !w->value().is_null()) {
    auto d = parse_duration(w->value());
    if (!d || d->count() < 0) return core::Error::invalid("within must be a non-negative duration");
    t.within = *d;
  }
  // Prefect's enforce_minimum_within_for_proactive_triggers.
  if (t.posture == Posture::kProactive) {
    if (t.within.count() == 0) {
      t.within = std::chrono::seconds(10);
    } else if (t.within < std::chrono::seconds(10)) {
      return core::Error::invalid("`within` for Proactive triggers must be greater than or equal to 10 seconds");
    }
  }
  return t;
}

}  // namespace praetor::automations
