#include "core/model.h"

#include <memory>

#include "core/json_util.h"
#include "core/model_fields.h"

namespace praetor::core {

namespace json = boost::json;

bool Model::has_documents() const {
  for (const auto& f : fields) {
    if (f.storage == Storage::kDocument) return true;
  }
  return false;
}

const Field* Model::field(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

namespace {

json::value list_value(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

// The field's value read as its type; nullopt when unset or after recording an error.
std::optional<json::value> read_value(const Field& f, const JsonField& node) {
  if (f.type == FieldType::kAny) return node.value() ? *node.value() : json::value();
  if (!node.set()) return std::nullopt;
  switch (f.type) {
    case FieldType::kUuid:
      if (auto v = node.uuid()) return json::value(*v);
      return std::nullopt;
    case FieldType::kString:
      if (auto v = node.string()) return json::value(*v);
      return std::nullopt;
    case FieldType::kInteger:
      if (auto v = node.integer()) return json::value(*v);
      return std::nullopt;
    case FieldType::kNumber:
      if (auto v = node.number()) return json::value(*v);
      return std::nullopt;
    case FieldType::kBoolean:
      if (auto v = node.boolean()) return json::value(*v);
      return std::nullopt;
    case FieldType::kTimestamp:
      if (auto v = node.timestamp()) return json::value(format_timestamp(*v));
      return std::nullopt;
    case FieldType::kStringList:
      if (auto v = node.string_list()) return list_value(*v);
      return std::nullopt;
    case FieldType::kDict:
      if (const json::object* v = node.dict()) return json::value(*v);
      return std::nullopt;
    case FieldType::kList:
      if (const json::array* v = node.list()) return json::value(*v);
      return std::nullopt;
    case FieldType::kAny:
      break;
  }
  return std::nullopt;
}

// Reads one field and runs its check (when `check`) if the type read succeeded.
std::optional<json::value> read_checked(const Field& f, const JsonField& node, bool check = true) {
  std::size_t errors_before = node.errors()->size();
  auto v = read_value(f, node);
  if (v && check && f.check && node.errors()->size() == errors_before) f.check(node);
  if (node.errors()->size() != errors_before) return std::nullopt;
  if (v && f.transform) f.transform(*v);
  return v;
}

// pydantic's extra_forbidden for each key of `body` that is no field `reads` accepts, after
// the fields' own errors, as pydantic orders them.
void forbid_extra_keys(const Model& model, const JsonField& root, const json::object& body,
                       bool (*reads)(const Field&)) {
  if (!model.forbid_extra) return;
  for (const auto& [key, value] : body) {
    const Field* f = model.field(key);
    if (!f || !reads(*f)) root.child(key).error("extra_forbidden", "Extra inputs are not permitted");
  }
}

// A body of JSON null: FastAPI's "missing" at the body itself.
Error missing_body() {
  return invalid_request(json::array{
      json::object{{"type", "missing"}, {"loc", json::array{"body"}}, {"msg", "Field required"}, {"input", nullptr}}});
}

struct Body {
  std::shared_ptr<json::array> errors = std::make_shared<json::array>();
  JsonField root;
  explicit Body(const json::value& body, json::array loc = json::array{"body"}) : root(&body, std::move(loc), errors) {}
};

}  // namespace

Result<json::object> read_create(const Model& model, const json::value& body) {
  if (body.is_null()) return missing_body();
  return read_create_at(model, body, json::array{"body"});
}

Result<json::object> read_create_at(const Model& model, const json::value& body, json::array loc) {
  Body b(body, std::move(loc));
  json::object out;
  if (!body.is_object()) {
    b.root.error("model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
    return invalid_request(*b.errors);
  }
  for (const auto& f : model.fields) {
    if (!f.on_create) {
      // A server-set field with a default starts at it (e.g. is_protected = false).
      if (f.default_json != "null") out[f.name] = json::parse(f.default_json);
      continue;
    }
    JsonField node = b.root.child(f.name);
    bool given = f.type == FieldType::kAny ? b.root.has_key(f.name) : node.set();
    if (!given) {
      if (f.required) {
        b.root.missing(f.name);
      } else {
        out[f.name] = json::parse(f.default_json);
      }
      continue;
    }
    if (auto v = read_checked(f, node)) out[f.name] = std::move(*v);
  }
  forbid_extra_keys(model, b.root, body.get_object(), [](const Field& f) { return f.on_create; });
  if (!b.errors->empty()) return invalid_request(*b.errors);
  return out;
}

Result<json::object> read_update(const Model& model, const json::value& body) {
  Body b(body);
  json::object out;
  if (body.is_null()) return missing_body();
  if (!b.root.model()) return invalid_request(*b.errors);
  for (const auto& f : model.fields) {
    if (!f.on_update) continue;
    JsonField node = b.root.child(f.name);
    if (f.null_on_update && node.value() && node.value()->is_null()) {
      out[f.name] = nullptr;
      continue;
    }
    bool given = f.type == FieldType::kAny ? b.root.has_key(f.name) : node.set();
    if (!given) continue;
    if (auto v = read_checked(f, node, f.check_on_update)) out[f.name] = std::move(*v);
  }
  forbid_extra_keys(model, b.root, body.get_object(), [](const Field& f) { return f.on_update; });
  if (!b.errors->empty()) return invalid_request(*b.errors);
  return out;
}

json::object to_response(const Model& model, const json::object& stored) {
  json::object out;
  out.reserve(model.fields.size());
  for (const auto& f : model.fields) {
    if (!f.in_response) continue;
    auto it = stored.find(f.name);
    out[f.name] = it != stored.end() ? it->value() : json::value();
  }
  return out;
}

void fields::value_error(const JsonField& field, std::string_view message) {
  field.error("value_error", "Value error, " + std::string(message), json::object{{"error", json::object{}}});
}

bool fields::check_lowercase_key(const JsonField& field, std::string_view what, bool underscores) {
  for (char ch : std::string_view(field.value()->get_string())) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || (underscores && ch == '_');
    if (!ok) {
      value_error(field, std::string(what) + " must only contain lowercase letters, numbers, and dashes" +
                             (underscores ? " or underscores." : "."));
      return false;
    }
  }
  return true;
}

bool fields::check_name_pattern(const JsonField& field) {
  constexpr std::string_view kPattern = "^[^/%&><]+$";
  std::string_view name(field.value()->get_string());
  if (!name.empty() && name.find_first_of("/%&><") == std::string_view::npos) return true;
  field.error("string_pattern_mismatch", "String should match pattern '" + std::string(kPattern) + "'",
              json::object{{"pattern", kPattern}});
  return false;
}

void fields::check_non_emptyish_name(const JsonField& field) {
  std::string_view name(field.value()->get_string());
  if (name.find_first_not_of("' \"") == std::string_view::npos) {
    value_error(field, "name cannot be an empty string");
    return;
  }
  check_name_pattern(field);
}

namespace {

void below_zero(const JsonField& field) {
  field.error("greater_than_equal", "Input should be greater than or equal to 0", json::object{{"ge", 0}});
}

}  // namespace

void fields::check_non_negative_integer(const JsonField& field) {
  if (auto v = field.integer(); v && *v < 0) below_zero(field);
}

void fields::check_non_negative_number(const JsonField& field) {
  if (auto v = field.number(); v && *v < 0) below_zero(field);
}

}  // namespace praetor::core
