#include "core/json_schema.h"

#include <cmath>
#include <regex>
#include <set>

#include "core/json_util.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

std::string string_repr(std::string_view s) {
  // Python quotes with ' unless the text holds a ' and no ".
  char quote = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    if (ch == '\\') out += "\\\\";
    else if (ch == quote) out += std::string("\\") + quote;
    else if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (ch == '\r') out += "\\r";
    else out += ch;
  }
  return out + quote;
}

bool is_number(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

bool has_type(const json::value& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "number") return is_number(v);
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    return v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double();
  }
  return false;  // jsonschema raises UnknownType; the metaschema refuses such a schema
}

double number(const json::value& v) { return v.to_number<double>(); }

// jsonschema's `equal`: 1 == 1.0, but true is not 1; containers compare element-wise.
bool json_equal(const json::value& a, const json::value& b) {
  if (is_number(a) && is_number(b)) return number(a) == number(b);
  if (a.kind() != b.kind()) {
    bool both_integers = (a.is_int64() || a.is_uint64()) && (b.is_int64() || b.is_uint64());
    if (!both_integers) return false;
  }
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!json_equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const json::value* other = y.if_contains(kv.key());
      if (!other || !json_equal(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// Characters, as Python's len counts them (UTF-8 continuation bytes are not).
std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string unescape_pointer(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// A value's repr with quantities kept as jsonschema prints them (ints as ints).
std::string bound_repr(const json::value& v) { return python_repr(v); }

class Validator {
 public:
  Validator(const json::value& root, const PlaceholderMessage& placeholder, SchemaCheck& out)
      : root_(root), placeholder_(placeholder), out_(out) {}

  void validate(const json::value& v, const json::value& schema, int ref_hops = 0) {
    if (out_.circular || out_.unresolvable) return;
    if (schema.is_bool()) {
      if (!schema.get_bool()) fail(v, "false", "False schema does not allow " + python_repr(v));
      return;
    }
    const json::object* s = schema.if_object();
    if (!s) return;
    for (const auto& kv : *s) apply(kv.key(), kv.value(), v, *s, ref_hops);
    if (placeholder_) {
      if (auto message = placeholder_(v)) fail(v, "_placeholders", *message);
    }
  }

 private:
  void fail(const json::value& v, std::string keyword, std::string message) {
    out_.errors.push_back(SchemaError{path_, std::move(keyword), std::move(message), &v});
  }

  // Validates a child value under `part` of the path.
  void descend(const json::value& v, const json::value& schema, std::string_view property) {
    path_.emplace_back(std::in_place_index<0>, property);
    validate(v, schema);
    path_.pop_back();
  }
  void descend(const json::value& v, const json::value& schema, std::size_t index) {
    path_.emplace_back(std::in_place_index<1>, index);
    validate(v, schema);
    path_.pop_back();
  }

  // Whether `v` conforms, without recording its errors.
  bool conforms(const json::value& v, const json::value& schema, int ref_hops) {
    SchemaCheck scratch;
    Validator inner(root_, placeholder_, scratch);
    inner.path_ = path_;
    inner.validate(v, schema, ref_hops);
    if (scratch.circular) out_.circular = true;
    if (scratch.unresolvable && !out_.unresolvable) out_.unresolvable = scratch.unresolvable;
    return scratch.errors.empty() && !scratch.circular && !scratch.unresolvable;
  }

  const json::value* resolve(std::string_view ref) const {
    if (ref.empty() || ref[0] != '#') return nullptr;
    std::string_view pointer = ref.substr(1);
    const json::value* at = &root_;
    while (!pointer.empty()) {
      if (pointer[0] != '/') return nullptr;
      pointer.remove_prefix(1);
      auto end = pointer.find('/');
      std::string token = unescape_pointer(pointer.substr(0, end));
      pointer = end == std::string_view::npos ? std::string_view() : pointer.substr(end);
      if (const json::object* o = at->if_object()) {
        at = o->if_contains(token);
      } else if (const json::array* a = at->if_array()) {
        std::size_t i = 0;
        try {
          i = std::stoul(token);
        } catch (...) {
          return nullptr;
        }
        at = i < a->size() ? &(*a)[i] : nullptr;
      } else {
        return nullptr;
      }
      if (!at) return nullptr;
    }
    return at;
  }

  void apply(std::string_view key, const json::value& k, const json::value& v, const json::object& s, int ref_hops) {
    if (key == "$ref") {
      if (!k.is_string()) return;
      const json::value* target = resolve(k.get_string());
      if (!target) {
        out_.unresolvable = std::string(k.get_string());
        return;
      }
      if (ref_hops > 64) {  // references that never reach a value: Python's RecursionError
        out_.circular = true;
        return;
      }
      validate(v, *target, ref_hops + 1);
    } else if (key == "type") {
      std::vector<std::string_view> types;
      if (k.is_string()) types.push_back(k.get_string());
      if (const json::array* list = k.if_array()) {
        for (const auto& t : *list) {
          if (t.is_string()) types.push_back(t.get_string());
        }
      }
      bool any = false;
      std::string names;
      for (auto t : types) {
        any = any || has_type(v, t);
        names += (names.empty() ? "" : ", ") + string_repr(t);
      }
      if (!any) fail(v, "type", python_repr(v) + " is not of type " + names);
    } else if (key == "enum") {
      const json::array* options = k.if_array();
      if (!options) return;
      for (const auto& option : *options) {
        if (json_equal(option, v)) return;
      }
      fail(v, "enum", python_repr(v) + " is not one of " + python_repr(k));
    } else if (key == "const") {
      if (!json_equal(k, v)) fail(v, "const", python_repr(k) + " was expected");
    } else if (key == "allOf") {
      if (const json::array* subs = k.if_array()) {
        for (const auto& sub : *subs) validate(v, sub, ref_hops);
      }
    } else if (key == "anyOf" || key == "oneOf") {
      const json::array* subs = k.if_array();
      if (!subs) return;
      std::vector<const json::value*> valid;
      for (const auto& sub : *subs) {
        if (conforms(v, sub, ref_hops)) valid.push_back(&sub);
        if (key == "anyOf" && !valid.empty()) return;
      }
      if (valid.empty()) {
        fail(v, std::string(key), python_repr(v) + " is not valid under any of the given schemas");
      } else if (valid.size() > 1) {
        std::string reprs;
        for (const auto* sub : valid) reprs += (reprs.empty() ? "" : ", ") + python_repr(*sub);
        fail(v, "oneOf", python_repr(v) + " is valid under each of " + reprs);
      }
    } else if (key == "not") {
      if (conforms(v, k, ref_hops)) fail(v, "not", python_repr(v) + " should not be valid under " + python_repr(k));
    } else if (is_number(v)) {
      apply_number(key, k, v);
    } else if (v.is_string()) {
      apply_string(key, k, v);
    } else if (v.is_array()) {
      apply_array(key, k, v, s);
    } else if (v.is_object()) {
      apply_object(key, k, v, s);
    }
  }

  void apply_number(std::string_view key, const json::value& k, const json::value& v) {
    if (!is_number(k)) return;
    double x = number(v), bound = number(k);
    if (key == "minimum" && x < bound) {
      fail(v, "minimum", python_repr(v) + " is less than the minimum of " + bound_repr(k));
    } else if (key == "maximum" && x > bound) {
      fail(v, "maximum", python_repr(v) + " is greater than the maximum of " + bound_repr(k));
    } else if (key == "exclusiveMinimum" && x <= bound) {
      fail(v, "exclusiveMinimum", python_repr(v) + " is less than or equal to the minimum of " + bound_repr(k));
    } else if (key == "exclusiveMaximum" && x >= bound) {
      fail(v, "exclusiveMaximum", python_repr(v) + " is greater than or equal to the maximum of " + bound_repr(k));
    } else if (key == "multipleOf" && bound != 0) {
      double quotient = x / bound;
      bool failed = !std::isfinite(quotient) || std::trunc(quotient) != quotient;
      if (failed) fail(v, "multipleOf", python_repr(v) + " is not a multiple of " + bound_repr(k));
    }
  }

  void apply_string(std::string_view key, const json::value& k, const json::value& v) {
    std::string_view text = v.get_string();
    if ((key == "minLength" || key == "maxLength") && is_number(k)) {
      double length = static_cast<double>(code_points(text)), bound = number(k);
      if (key == "minLength" && length < bound) {
        fail(v, "minLength", python_repr(v) + (bound == 1 ? " should be non-empty" : " is too short"));
      } else if (key == "maxLength" && length > bound) {
        fail(v, "maxLength", python_repr(v) + (bound == 0 ? " is expected to be empty" : " is too long"));
      }
    } else if (key == "pattern" && k.is_string()) {
      try {
        std::regex re{std::string(k.get_string()), std::regex::ECMAScript};
        if (!std::regex_search(text.begin(), text.end(), re)) {
          fail(v, "pattern", python_repr(v) + " does not match " + python_repr(k));
        }
      } catch (const std::regex_error&) {
        // A pattern std::regex cannot compile constrains nothing here.
      }
    }
  }

  void apply_array(std::string_view key, const json::value& k, const json::value& v, const json::object& s) {
    const json::array& a = v.get_array();
    if ((key == "minItems" || key == "maxItems") && is_number(k)) {
      double size = static_cast<double>(a.size()), bound = number(k);
      if (key == "minItems" && size < bound) {
        fail(v, "minItems", python_repr(v) + (bound == 1 ? " should be non-empty" : " is too short"));
      } else if (key == "maxItems" && size > bound) {
        fail(v, "maxItems", python_repr(v) + (bound == 0 ? " is expected to be empty" : " is too long"));
      }
    } else if (key == "uniqueItems" && k.is_bool() && k.get_bool()) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        for (std::size_t j = i + 1; j < a.size(); ++j) {
          if (json_equal(a[i], a[j])) return fail(v, "uniqueItems", python_repr(v) + " has non-unique elements");
        }
      }
    } else if (key == "prefixItems" && k.is_array()) {
      const json::array& subs = k.get_array();
      for (std::size_t i = 0; i < a.size() && i < subs.size(); ++i) descend(a[i], subs[i], i);
    } else if (key == "items") {
      std::size_t prefix = 0;
      if (const json::value* p = s.if_contains("prefixItems"); p && p->is_array()) prefix = p->get_array().size();
      if (a.size() <= prefix) return;
      if (k.is_bool() && !k.get_bool()) {
        std::size_t extra = a.size() - prefix;
        json::array rest(a.begin() + static_cast<std::ptrdiff_t>(prefix), a.end());
        fail(v, "items", "Expected at most " + std::to_string(prefix) + (prefix == 1 ? " item" : " items") +
                             " but found " + std::to_string(extra) + " extra: " +
                             python_repr(extra == 1 ? rest[0] : json::value(rest)));
        return;
      }
      if (!k.is_object() && !k.is_bool()) return;
      for (std::size_t i = prefix; i < a.size(); ++i) descend(a[i], k, i);
    }
  }

  void apply_object(std::string_view key, const json::value& k, const json::value& v, const json::object& s) {
    const json::object& o = v.get_object();
    if (key == "properties" && k.is_object()) {
      for (const auto& [name, sub] : k.get_object()) {
        if (const json::value* child = o.if_contains(name)) descend(*child, sub, std::string_view(name));
      }
    } else if (key == "required" && k.is_array()) {
      for (const auto& name : k.get_array()) {
        if (name.is_string() && !o.contains(name.get_string())) {
          fail(v, "required", string_repr(name.get_string()) + " is a required property");
        }
      }
    } else if (key == "additionalProperties") {
      const json::object* properties = nullptr;
      if (const json::value* p = s.if_contains("properties")) properties = p->if_object();
      std::vector<std::string> extras;
      for (const auto& kv : o) {
        if (!properties || !properties->contains(kv.key())) extras.emplace_back(kv.key());
      }
      if (k.is_object()) {
        for (const auto& name : extras) descend(o.at(name), k, std::string_view(name));
      } else if (k.is_bool() && !k.get_bool() && !extras.empty()) {
        std::set<std::string> sorted(extras.begin(), extras.end());
        std::string names;
        for (const auto& name : sorted) names += (names.empty() ? "" : ", ") + string_repr(name);
        fail(v, "additionalProperties", "Additional properties are not allowed (" + names +
                                            (sorted.size() == 1 ? " was" : " were") + " unexpected)");
      }
    } else if ((key == "minProperties" || key == "maxProperties") && is_number(k)) {
      double size = static_cast<double>(o.size()), bound = number(k);
      if (key == "minProperties" && size < bound) {
        fail(v, "minProperties",
             python_repr(v) + (bound == 1 ? " should be non-empty" : " does not have enough properties"));
      } else if (key == "maxProperties" && size > bound) {
        fail(v, "maxProperties", python_repr(v) + (bound == 0 ? " is expected to be empty" : " has too many properties"));
      }
    }
  }

  const json::value& root_;
  const PlaceholderMessage& placeholder_;
  SchemaCheck& out_;
  std::vector<JsonPathPart> path_;
};

}  // namespace

std::string python_repr(const json::value& v) {
  if (v.is_string()) return string_repr(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& item : v.get_array()) out += (out.size() > 1 ? ", " : "") + python_repr(item);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    for (const auto& kv : v.get_object()) {
      out += (out.size() > 1 ? ", " : "") + string_repr(kv.key()) + ": " + python_repr(kv.value());
    }
    return out + "}";
  }
  return to_json_text(v);
}

SchemaCheck json_schema_errors(const json::value& instance, const json::value& schema,
                               const PlaceholderMessage& placeholder) {
  SchemaCheck out;
  Validator(schema, placeholder, out).validate(instance, schema);
  return out;
}

std::optional<SchemaViolation> json_schema_violation(const json::value& instance, const json::value& schema) {
  auto check = json_schema_errors(instance, schema);
  if (check.circular) return SchemaViolation{"$", "schema nesting too deep (circular $ref?)"};
  if (check.unresolvable) return SchemaViolation{"$", "Unresolvable reference " + *check.unresolvable};
  if (check.errors.empty()) return std::nullopt;
  // jsonschema's best_match: the shallowest error, one of anyOf/oneOf only when nothing else
  // is as shallow; the first of equals.
  auto rank = [](const SchemaError& e) {
    bool weak = e.keyword == "anyOf" || e.keyword == "oneOf";
    return std::pair{-static_cast<long>(e.path.size()), !weak};
  };
  const SchemaError* best = &check.errors.front();
  for (const auto& e : check.errors) {
    if (rank(e) > rank(*best)) best = &e;
  }
  const auto& first = *best;
  std::string path = "$";
  for (const auto& part : first.path) {
    if (const auto* name = std::get_if<std::string>(&part)) {
      path += "." + *name;
    } else {
      path += "[" + std::to_string(std::get<std::size_t>(part)) + "]";
    }
  }
  return SchemaViolation{path, first.message};
}

}  // namespace praetor::core
