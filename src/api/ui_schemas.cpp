// POST /api/ui/schemas/validate (Prefect's api/ui/schemas.py): validates `values` against a
// JSON `schema` as the UI's parameter forms need, answering {"errors": [...], "valid": ...}
// with the errors nested by property and index (Prefect's build_error_obj). Before validating,
// the schema gets Prefect's preprocessing (optional fields may be null, tuple `items` become
// `prefixItems`, block references may be given by id) and the values are hydrated: the UI's
// {"__prefect_kind": …} wrappers ("none", "json", "jinja", "workspace_variable") are replaced
// by what they stand for, or by a placeholder that fails with Prefect's message.
//
// Not checked as Prefect checks them: the schema against the Draft 2020-12 metaschema (only
// `type` names are), jinja template syntax (a template is accepted as valid, as Prefect accepts
// a valid one unrendered), and `format` (core/json_schema.h).
#include <map>
#include <set>
#include <unordered_map>

#include "api/routes.h"
#include "core/json_schema.h"
#include "core/json_util.h"

namespace praetor::api {

namespace json = boost::json;
using core::JsonPathPart;
using store::Connection;

namespace {

// --- the schema, as Prefect's preprocess_schema leaves it --------------------------------

void fix_properties(json::object& properties, const json::value* required);

bool is_required(const json::value* required, std::string_view key) {
  const json::array* list = required ? required->if_array() : nullptr;
  if (!list) return false;
  for (const auto& name : *list) {
    if (name.is_string() && name.get_string() == key) return true;
  }
  return false;
}

void fix_property(std::string_view key, json::object& schema, const json::value* required) {
  // An optional field without a default may be null (pydantic v1 wrote no null type).
  if (!is_required(required, key) && schema.contains("type") && schema.at("type") != "null" &&
      !schema.contains("default")) {
    json::value type = schema.at("type");
    schema.erase("type");
    schema["anyOf"] = json::array{json::object{{"type", std::move(type)}}, json::object{{"type", "null"}}};
  }
  // A tuple's positional `items` are Draft 2020-12's `prefixItems`.
  if (const json::value* items = schema.if_contains("items");
      items && items->is_array() && !items->get_array().empty() && !schema.contains("prefixItems")) {
    json::value list = *items;
    schema.erase("items");
    schema["prefixItems"] = std::move(list);
  }
  if (json::value* nested = schema.if_contains("properties"); nested && nested->is_object()) {
    json::value nested_required = schema.contains("required") ? schema.at("required") : json::value(json::array());
    fix_properties(nested->get_object(), &nested_required);
  }
}

void fix_properties(json::object& properties, const json::value* required) {
  for (auto& kv : properties) {
    if (json::object* schema = kv.value().if_object()) fix_property(kv.key(), *schema, required);
  }
}

json::value preprocess(json::object schema) {
  if (json::value* properties = schema.if_contains("properties"); properties && properties->is_object()) {
    json::value required = schema.contains("required") ? schema.at("required") : json::value(json::array());
    fix_properties(properties->get_object(), &required);
  }
  json::value* definitions = schema.if_contains("definitions");
  if (!definitions || !definitions->is_object()) return schema;
  std::vector<std::pair<std::string, json::value>> by_reference;
  for (auto& kv : definitions->get_object()) {
    json::object* definition = kv.value().if_object();
    if (!definition) continue;
    if (json::value* properties = definition->if_contains("properties"); properties && properties->is_object()) {
      json::value required = definition->contains("required") ? definition->at("required") : json::value(json::array());
      fix_properties(properties->get_object(), &required);
    }
    // A block field may also be given as a reference to a saved block document.
    if (definition->contains("block_type_slug") && definition->contains("title") && definition->at("title").is_string()) {
      json::object reference{
          {"type", "object"},
          {"properties",
           json::object{{"$ref", json::object{{"oneOf", json::array{json::object{{"type", "string"}, {"format", "uuid"}},
                                                                     json::object{{"type", "object"},
                                                                                  {"additionalProperties",
                                                                                   json::object{{"type", "string"}}},
                                                                                  {"minProperties", 1}}}}}}}},
          {"required", json::array{"$ref"}}};
      by_reference.emplace_back(std::string(definition->at("title").get_string()),
                                json::object{{"oneOf", json::array{*definition, std::move(reference)}}});
    }
  }
  for (auto& [title, replacement] : by_reference) definitions->get_object()[title] = std::move(replacement);
  return schema;
}

// The first `type` that names no JSON type, where the Draft 2020-12 metaschema looks for
// subschemas (the one metaschema rule checked: Prefect refuses such a schema with a 422).
std::optional<json::value> invalid_type_name(const json::value& schema) {
  const json::object* s = schema.if_object();
  if (!s) return std::nullopt;
  if (const json::value* type = s->if_contains("type")) {
    static const std::set<std::string_view> kTypes{"array", "boolean", "integer", "null", "number", "object", "string"};
    bool ok = type->is_string() && kTypes.contains(type->get_string());
    if (const json::array* list = type->if_array()) {
      ok = true;
      for (const auto& t : *list) ok = ok && t.is_string() && kTypes.contains(t.get_string());
    }
    if (!ok) return *type;
  }
  for (const char* key : {"items", "not", "additionalProperties"}) {
    if (const json::value* sub = s->if_contains(key)) {
      if (auto bad = invalid_type_name(*sub)) return bad;
    }
  }
  for (const char* key : {"prefixItems", "anyOf", "oneOf", "allOf"}) {
    if (const json::value* list = s->if_contains(key); list && list->is_array()) {
      for (const auto& sub : list->get_array()) {
        if (auto bad = invalid_type_name(sub)) return bad;
      }
    }
  }
  for (const char* key : {"properties", "$defs", "definitions", "patternProperties"}) {
    if (const json::value* map = s->if_contains(key); map && map->is_object()) {
      for (const auto& kv : map->get_object()) {
        if (auto bad = invalid_type_name(kv.value())) return bad;
      }
    }
  }
  return std::nullopt;
}

// --- the values, hydrated as Prefect's schema_tools.hydration does -----------------------

// A value standing for a substitution that was not made: an error (with its message) or a
// valid but unrendered one (a jinja template, left to the run), whose errors are ignored.
struct Placeholder {
  std::optional<std::string> error;
};

class Hydrator {
 public:
  explicit Hydrator(Connection& c) : c_(c) {}

  // nullopt: the value is removed from its parent (a wrapper without its payload).
  std::optional<json::value> hydrate(const json::value& v) {
    if (const json::object* o = v.if_object()) {
      if (const json::value* kind = o->if_contains("__prefect_kind")) return hydrate_kind(*kind, *o);
      json::object out;
      for (const auto& kv : *o) {
        path_.emplace_back(std::in_place_index<0>, kv.key());
        if (auto child = hydrate(kv.value())) out[kv.key()] = std::move(*child);
        path_.pop_back();
      }
      return out;
    }
    if (const json::array* a = v.if_array()) {
      json::array out;
      for (const auto& item : *a) {
        path_.emplace_back(std::in_place_index<1>, out.size());
        auto child = hydrate(item);
        path_.pop_back();
        if (child) out.push_back(std::move(*child));
      }
      return out;
    }
    return v;
  }

  // Placeholders by where they sit in the hydrated value.
  const std::map<std::vector<JsonPathPart>, Placeholder>& placeholders() const { return placeholders_; }

 private:
  json::value placeholder(Placeholder p) {
    placeholders_[path_] = std::move(p);
    return nullptr;
  }
  json::value missing_key(std::string_view key) {
    return placeholder({"Missing '" + std::string(key) + "' key in __prefect object"});
  }
  bool at_placeholder() const { return placeholders_.contains(path_); }

  // A wrapper's payload, hydrated first when it is itself an object.
  std::optional<json::value> payload(const json::value& v) {
    if (!v.is_object()) return v;
    return hydrate(v);
  }

  std::optional<json::value> hydrate_kind(const json::value& kind, const json::object& o) {
    if (kind == "none") {
      const json::value* value = o.if_contains("value");
      if (!value) return missing_key("value");
      return hydrate(*value);
    }
    if (kind == "json") {
      const json::value* value = o.if_contains("value");
      if (!value) return std::nullopt;
      auto inner = payload(*value);
      if (!inner || at_placeholder() || !inner->is_string()) return inner;
      boost::system::error_code ec;
      json::value parsed = json::parse(inner->get_string(), ec);
      if (ec) return placeholder({"Invalid JSON: " + ec.message()});
      return parsed;
    }
    if (kind == "jinja") {
      const json::value* templ = o.if_contains("template");
      if (!templ) return missing_key("template");
      auto inner = payload(*templ);
      if (inner && at_placeholder()) return inner;
      return placeholder({});
    }
    if (kind == "workspace_variable") {
      const json::value* name = o.if_contains("variable_name");
      if (!name) return std::nullopt;
      auto inner = payload(*name);
      if (!inner || at_placeholder()) return inner;
      if (inner->is_string()) {
        auto& st = c_.prepare("SELECT value FROM variable WHERE name = ?1");
        st.bind(1, std::string_view(inner->get_string()));
        std::optional<json::value> found;
        if (st.step()) {
          boost::system::error_code ec;
          found = st.is_null(0) ? json::value(nullptr) : json::parse(st.column_text(0), ec);
          if (ec) found = json::value(nullptr);
        }
        st.reset();
        if (found) return found;
      }
      std::string shown = inner->is_string() ? std::string(inner->get_string()) : core::python_repr(*inner);
      return placeholder({"Variable '" + shown + "' not found in workspace."});
    }
    // Another kind: its "value", unhydrated (Prefect's call_handler fallback).
    const json::value* value = o.if_contains("value");
    return value ? *value : json::value(nullptr);
  }

  Connection& c_;
  std::vector<JsonPathPart> path_;
  std::map<std::vector<JsonPathPart>, Placeholder> placeholders_;
};

const json::value* at_path(const json::value& root, const std::vector<JsonPathPart>& path) {
  const json::value* at = &root;
  for (const auto& part : path) {
    if (const auto* name = std::get_if<std::string>(&part)) {
      const json::object* o = at->if_object();
      at = o ? o->if_contains(*name) : nullptr;
    } else {
      const json::array* a = at->if_array();
      std::size_t i = std::get<std::size_t>(part);
      at = a && i < a->size() ? &(*a)[i] : nullptr;
    }
    if (!at) return nullptr;
  }
  return at;
}

// --- the answer, nested as Prefect's build_error_obj nests it ----------------------------

json::object error_object(std::vector<core::SchemaError> errors,
                          const std::unordered_map<const json::value*, const Placeholder*>& placeholders) {
  // Where a placeholder failed, its own error replaces the others at that place.
  std::map<std::vector<JsonPathPart>, bool> has_placeholder_error;
  for (const auto& e : errors) {
    if (e.keyword == "_placeholders") has_placeholder_error[e.path] = true;
  }
  json::array root;
  for (auto& e : errors) {
    if (has_placeholder_error.contains(e.path) && e.keyword != "_placeholders") continue;
    auto p = placeholders.find(e.instance);
    if (p != placeholders.end() && !p->second->error) continue;  // a valid placeholder
    std::vector<JsonPathPart> path = e.path;
    // A missing property's error belongs one level down, on the property.
    if (e.keyword == "required") {
      auto quote = e.message.find(' ');
      std::string name = e.message.substr(0, quote);
      if (name.size() >= 2) name = name.substr(1, name.size() - 2);
      path.emplace_back(name);
    }
    json::array* current = &root;
    if (path.empty()) current->push_back(json::value(e.message));
    for (std::size_t i = 0; i < path.size(); ++i) {
      bool last = i + 1 == path.size();
      const auto* name = std::get_if<std::string>(&path[i]);
      json::object entry = name ? json::object{{"property", *name}} : json::object{{"index", std::get<std::size_t>(path[i])}};
      std::string_view field = name ? "property" : "index";
      if (last) {
        entry["errors"] = json::array{json::value(e.message)};
        current->push_back(std::move(entry));
        break;
      }
      json::array* next = nullptr;
      for (auto& existing : *current) {
        json::object* o = existing.if_object();
        if (o && o->contains(field) && o->at(field) == entry.at(field)) {
          next = &(*o)["errors"].as_array();
          break;
        }
      }
      if (!next) {
        entry["errors"] = json::array();
        current->push_back(std::move(entry));
        next = &current->back().as_object()["errors"].as_array();
      }
      current = next;
    }
  }
  bool valid = root.empty();
  return json::object{{"errors", std::move(root)}, {"valid", valid}};
}

core::Result<Response> validate(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  // Both fields are embedded body parameters: FastAPI reports a missing one with input null.
  json::array missing;
  for (const char* key : {"schema", "values"}) {
    const json::object* o = body->if_object();
    if (!o || !o->contains(key)) {
      missing.push_back(json::object{
          {"type", "missing"}, {"loc", json::array{"body", key}}, {"msg", "Field required"}, {"input", nullptr}});
    }
  }
  if (!missing.empty()) return core::invalid_request(std::move(missing));
  core::FieldReader reader(*body, json::array{"body"});
  const json::object* schema = reader.object("schema", true);
  const json::object* values = reader.object("values", true);
  if (!reader.ok()) return reader.error();
  json::value prepared = preprocess(*schema);
  if (auto bad = invalid_type_name(prepared)) {
    return core::Error::invalid("Invalid schema: " + core::python_repr(*bad) + " is not valid under any of the given schemas");
  }

  struct Hydrated {
    json::value values;
    std::map<std::vector<JsonPathPart>, Placeholder> placeholders;
  };
  auto hydrated = ctx.db.read<Hydrated>([&](Connection& c) -> core::Result<Hydrated> {
    Hydrator hydrator(c);
    auto out = hydrator.hydrate(*values);
    return Hydrated{out ? std::move(*out) : json::value(json::object()), hydrator.placeholders()};
  });
  if (!hydrated) return hydrated.error();
  std::unordered_map<const json::value*, const Placeholder*> by_value;
  for (const auto& [path, p] : hydrated->placeholders) {
    if (const json::value* at = at_path(hydrated->values, path)) by_value[at] = &p;
  }
  auto check = core::json_schema_errors(hydrated->values, prepared, [&](const json::value& v) -> std::optional<std::string> {
    auto p = by_value.find(&v);
    return p == by_value.end() ? std::nullopt : p->second->error;
  });
  if (check.circular) {
    return core::Error::invalid("Invalid schema: Unable to validate schema with circular references.");
  }
  if (check.unresolvable) {
    // Worded as the `referencing` package words a local pointer to nowhere, or another ref.
    const std::string& ref = *check.unresolvable;
    std::string reason = ref.starts_with("#") ? "PointerToNowhere: " + core::python_repr(json::value(ref.substr(1))) +
                                                     " does not exist within " + core::python_repr(prepared)
                                               : "Unresolvable: " + ref;
    return core::Error::invalid("Invalid schema: Validation failed. Failure reason: " + reason);
  }
  return json_response(200, error_object(std::move(check.errors), by_value));
}

}  // namespace

void register_ui_schema_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/ui/schemas/validate", [&ctx](const Request& req, const PathParams&) { return validate(ctx, req); });
}

}  // namespace praetor::api
