#include "automations/placeholders.h"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace praetor::automations {

namespace json = boost::json;

namespace {

struct Placeholder {
  std::size_t begin = 0;  // of "{{"
  std::size_t end = 0;    // past "}}"
  std::string name;
};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '[' || c == ']' ||
         c == '$';
}

// Every "{{ name }}" in `text`, left to right, non-overlapping.
std::vector<Placeholder> find_placeholders(std::string_view text) {
  std::vector<Placeholder> found;
  std::size_t at = 0;
  while ((at = text.find("{{", at)) != std::string_view::npos) {
    std::size_t i = at + 2;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t name_begin = i;
    while (i < text.size() && is_name_char(text[i])) ++i;
    std::size_t name_end = i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (name_end > name_begin && text.substr(i, 2) == "}}") {
      found.push_back({at, i + 2, std::string(text.substr(name_begin, name_end - name_begin))});
      at = i + 2;
    } else {
      at += 1;
    }
  }
  return found;
}

bool left_as_written(const std::string& name) {
  return name.starts_with("prefect.blocks.") || name.starts_with("prefect.variables.");
}

// The value at a dotted path with [index] steps; nullopt when any step is missing.
std::optional<json::value> lookup(const json::object& values, const std::string& path) {
  std::string dotted;
  for (char c : path) {
    if (c == '[') dotted += '.';
    else if (c != ']') dotted += c;
  }
  const json::value* at = nullptr;
  json::value root = values;
  at = &root;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (const json::object* o = at->if_object()) {
      auto it = o->find(key);
      if (it == o->end()) return std::nullopt;
      at = &it->value();
    } else if (const json::array* a = at->if_array()) {
      if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      std::size_t index = std::stoul(key);
      if (index >= a->size()) return std::nullopt;
      at = &(*a)[index];
    } else {
      return std::nullopt;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *at;
}

std::string as_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  return json::serialize(v);
}

// nullopt: the template was one unknown placeholder (its key or item is dropped).
core::Result<std::optional<json::value>> apply(const json::value& t, const json::object& values) {
  if (const json::object* o = t.if_object()) {
    json::object out;
    for (const auto& kv : *o) {
      auto r = apply(kv.value(), values);
      if (!r) return r.error();
      if (*r) out[kv.key()] = std::move(**r);
    }
    return std::optional<json::value>(std::move(out));
  }
  if (const json::array* a = t.if_array()) {
    json::array out;
    for (const auto& item : *a) {
      auto r = apply(item, values);
      if (!r) return r.error();
      if (*r) out.push_back(std::move(**r));
    }
    return std::optional<json::value>(std::move(out));
  }
  if (!t.is_string()) return std::optional<json::value>(t);
  const std::string_view text = t.get_string();
  auto placeholders = find_placeholders(text);
  for (const auto& p : placeholders) {
    if (p.name.starts_with("$"))
      return core::Error::invalid("Praetor does not put the server's environment variables into notification requests ({{ " +
                                  p.name + " }})");
  }
  if (placeholders.empty()) return std::optional<json::value>(t);
  if (placeholders.size() == 1 && placeholders[0].begin == 0 && placeholders[0].end == text.size() &&
      !left_as_written(placeholders[0].name)) {
    return lookup(values, placeholders[0].name);
  }
  std::string out;
  std::size_t copied = 0;
  for (const auto& p : placeholders) {
    out.append(text.substr(copied, p.begin - copied));
    copied = p.end;
    if (left_as_written(p.name)) {
      out.append(text.substr(p.begin, p.end - p.begin));
      continue;
    }
    if (auto v = lookup(values, p.name)) out += as_text(*v);
  }
  out.append(text.substr(copied));
  return std::optional<json::value>(json::value(out));
}

}  // namespace

core::Result<json::value> apply_placeholders(const json::value& template_value, const json::object& values) {
  auto r = apply(template_value, values);
  if (!r) return r.error();
  return *r ? std::move(**r) : json::value(nullptr);
}

}  // namespace praetor::automations
