#include "automations/resource_spec.h"

#include "automations/glob.h"

namespace praetor::automations {

namespace json = boost::json;

core::Result<ResourceSpec> ResourceSpec::parse(const json::value& v) {
  ResourceSpec spec;
  if (v.is_null()) return spec;
  const json::object* o = v.if_object();
  if (!o) return core::Error::invalid("a resource specification must be an object of label patterns");
  for (const auto& kv : *o) {
    std::vector<std::string> patterns;
    if (kv.value().is_string()) {
      patterns.emplace_back(kv.value().get_string());
    } else if (const json::array* a = kv.value().if_array()) {
      for (const auto& item : *a) {
        if (!item.is_string()) return core::Error::invalid("label patterns must be strings");
        patterns.emplace_back(item.get_string());
      }
    } else {
      return core::Error::invalid("label patterns must be a string or a list of strings");
    }
    spec.labels_.emplace_back(std::string(kv.key()), std::move(patterns));
  }
  return spec;
}

bool ResourceSpec::matches(const json::object& resource) const {
  for (const auto& [label, patterns] : labels_) {
    auto it = resource.find(label);
    std::string_view value;
    const std::string_view* present = nullptr;
    if (it != resource.end() && it->value().is_string()) {
      value = it->value().get_string();
      present = &value;
    }
    bool any = false;
    for (const auto& p : patterns) {
      if (label_matches(p, present)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

bool ResourceSpec::includes(const std::vector<const json::object*>& candidates) const {
  if (matches_every_resource()) return true;
  for (const auto* c : candidates) {
    if (matches(*c)) return true;
  }
  return false;
}

std::optional<std::string> ResourceSpec::exact_value(std::string_view label) const {
  for (const auto& [name, patterns] : labels_) {
    if (name != label || patterns.size() != 1) continue;
    const std::string& p = patterns.front();
    if (p.empty() || p.front() == '!' || p.find_first_of("*?") != std::string::npos) return std::nullopt;
    return p;
  }
  return std::nullopt;
}

}  // namespace praetor::automations
