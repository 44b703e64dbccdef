#include "core/json_schema.h"

#include <cmath>

#include "core/json_util.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

// Python's repr of a JSON value, as jsonschema quotes instances in its messages.
std::string repr(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.get_string()) + "'";
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& item : v.get_array()) out += (out.size() > 1 ? ", " : "") + repr(item);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    for (const auto& kv : v.get_object()) {
      out += (out.size() > 1 ? ", '" : "'") + std::string(kv.key()) + "': " + repr(kv.value());
    }
    return out + "}";
  }
  return to_json_text(v);
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    return v.is_double() && std::floor(v.get_double()) == v.get_double();
  }
  return true;  // an unknown type name constrains nothing
}

double number(const json::value& v) { return v.to_number<double>(); }

class Validator {
 public:
  explicit Validator(const json::value& root) : root_(root) {}

  // The violation's message; `path_` then holds where it was found.
  std::optional<std::string> check(const json::value& v, const json::value& schema, int depth = 0) const {
    if (depth > 64) return "schema nesting too deep (circular $ref?)";
    const json::object* s = schema.if_object();
    if (!s) return std::nullopt;  // true/false schemas and junk: accept
    if (const json::value* ref = s->if_contains("$ref"); ref && ref->is_string()) {
      const json::value* target = resolve(ref->get_string());
      if (!target) return "Unresolvable reference " + std::string(ref->get_string());
      if (auto e = check(v, *target, depth + 1)) return e;
    }
    if (auto e = check_type(v, *s)) return e;
    if (const json::value* e = s->if_contains("enum"); e && e->is_array()) {
      bool found = false;
      for (const auto& option : e->get_array()) found = found || option == v;
      if (!found) return repr(v) + " is not one of " + to_json_text(*e);
    }
    if (const json::value* c = s->if_contains("const"); c && *c != v) return repr(*c) + " was expected";
    if (auto e = check_combinators(v, *s, depth)) return e;
    if (v.is_number()) {
      if (auto e = check_bounds(v, *s)) return e;
    }
    if (v.is_string()) {
      auto length = static_cast<int64_t>(v.get_string().size());
      if (const json::value* m = s->if_contains("minLength"); m && m->is_number() && length < number(*m)) {
        return repr(v) + " is too short";
      }
      if (const json::value* m = s->if_contains("maxLength"); m && m->is_number() && length > number(*m)) {
        return repr(v) + " is too long";
      }
    }
    if (v.is_array()) return check_array(v.get_array(), *s, depth);
    if (v.is_object()) return check_object(v.get_object(), *s, depth);
    return std::nullopt;
  }

 private:
  const json::value* resolve(std::string_view ref) const {
    for (std::string_view prefix : {"#/definitions/", "#/$defs/"}) {
      if (ref.substr(0, prefix.size()) != prefix) continue;
      std::string_view section = prefix.substr(2, prefix.size() - 3);
      const json::object* root = root_.if_object();
      const json::value* defs = root ? root->if_contains(section) : nullptr;
      if (!defs || !defs->is_object()) return nullptr;
      return defs->get_object().if_contains(ref.substr(prefix.size()));
    }
    return ref == "#" ? &root_ : nullptr;
  }

  static std::optional<std::string> check_type(const json::value& v, const json::object& s) {
    const json::value* type = s.if_contains("type");
    if (!type) return std::nullopt;
    if (type->is_string()) {
      if (!has_type(v, type->get_string())) return repr(v) + " is not of type '" + std::string(type->get_string()) + "'";
    } else if (type->is_array()) {
      bool any = false;
      std::string names;
      for (const auto& t : type->get_array()) {
        if (!t.is_string()) continue;
        any = any || has_type(v, t.get_string());
        names += (names.empty() ? "'" : ", '") + std::string(t.get_string()) + "'";
      }
      if (!any) return repr(v) + " is not of type " + names;
    }
    return std::nullopt;
  }

  std::optional<std::string> check_combinators(const json::value& v, const json::object& s, int depth) const {
    if (const json::value* all = s.if_contains("allOf"); all && all->is_array()) {
      for (const auto& sub : all->get_array()) {
        if (auto e = check(v, sub, depth + 1)) return e;
      }
    }
    for (std::string_view key : {"anyOf", "oneOf"}) {
      const json::value* options = s.if_contains(key);
      if (!options || !options->is_array()) continue;
      int matched = 0;
      std::string here = path_;
      for (const auto& sub : options->get_array()) {
        matched += check(v, sub, depth + 1) ? 0 : 1;
        path_ = here;  // a failed option's inner location is not the violation's
      }
      if (matched == 0) return repr(v) + " is not valid under any of the given schemas";
      if (key == "oneOf" && matched > 1) return repr(v) + " is valid under each of several given schemas";
    }
    return std::nullopt;
  }

  static std::optional<std::string> check_bounds(const json::value& v, const json::object& s) {
    double x = number(v);
    if (const json::value* m = s.if_contains("minimum"); m && m->is_number() && x < number(*m)) {
      return repr(v) + " is less than the minimum of " + to_json_text(*m);
    }
    if (const json::value* m = s.if_contains("maximum"); m && m->is_number() && x > number(*m)) {
      return repr(v) + " is greater than the maximum of " + to_json_text(*m);
    }
    if (const json::value* m = s.if_contains("exclusiveMinimum"); m && m->is_number() && x <= number(*m)) {
      return repr(v) + " is less than or equal to the minimum of " + to_json_text(*m);
    }
    if (const json::value* m = s.if_contains("exclusiveMaximum"); m && m->is_number() && x >= number(*m)) {
      return repr(v) + " is greater than or equal to the maximum of " + to_json_text(*m);
    }
    return std::nullopt;
  }

  std::optional<std::string> check_array(const json::array& a, const json::object& s, int depth) const {
    auto size = static_cast<double>(a.size());
    if (const json::value* m = s.if_contains("minItems"); m && m->is_number() && size < number(*m)) {
      return to_json_text(json::value(a)) + " is too short";
    }
    if (const json::value* m = s.if_contains("maxItems"); m && m->is_number() && size > number(*m)) {
      return to_json_text(json::value(a)) + " is too long";
    }
    if (const json::value* items = s.if_contains("items"); items && items->is_object()) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        Step step(path_, "[" + std::to_string(i) + "]");
        if (auto e = check(a[i], *items, depth + 1)) return step.keep(e);
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> check_object(const json::object& o, const json::object& s, int depth) const {
    if (const json::value* required = s.if_contains("required"); required && required->is_array()) {
      for (const auto& name : required->get_array()) {
        if (name.is_string() && !o.contains(name.get_string())) {
          return "'" + std::string(name.get_string()) + "' is a required property";
        }
      }
    }
    const json::object* properties = nullptr;
    if (const json::value* p = s.if_contains("properties")) properties = p->if_object();
    const json::value* additional = s.if_contains("additionalProperties");
    for (const auto& kv : o) {
      const json::value* property = properties ? properties->if_contains(kv.key()) : nullptr;
      if (property) {
        Step step(path_, "." + std::string(kv.key()));
        if (auto e = check(kv.value(), *property, depth + 1)) return step.keep(e);
      } else if (additional && additional->is_bool() && !additional->get_bool()) {
        return "Additional properties are not allowed ('" + std::string(kv.key()) + "' was unexpected)";
      } else if (additional && additional->is_object()) {
        Step step(path_, "." + std::string(kv.key()));
        if (auto e = check(kv.value(), *additional, depth + 1)) return step.keep(e);
      }
    }
    return std::nullopt;
  }

  // Appends a path segment for the duration of a nested check; keep() leaves it in place
  // when the nested check found the violation.
  class Step {
   public:
    Step(std::string& path, const std::string& segment) : path_(path), size_(path.size()) { path_ += segment; }
    ~Step() {
      if (!kept_) path_.resize(size_);
    }
    std::optional<std::string> keep(std::optional<std::string> e) {
      kept_ = true;
      return e;
    }

   private:
    std::string& path_;
    std::size_t size_;
    bool kept_ = false;
  };

  const json::value& root_;

 public:
  mutable std::string path_ = "$";
};

}  // namespace

std::optional<SchemaViolation> json_schema_violation(const json::value& instance, const json::value& schema) {
  Validator validator(schema);
  auto message = validator.check(instance, schema);
  if (!message) return std::nullopt;
  return SchemaViolation{validator.path_, *message};
}

}  // namespace praetor::core
