#include "core/json_field.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/uuid.h"

namespace praetor::core {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string expected_text(const std::vector<std::string_view>& allowed) {
  std::string out;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) out += (i + 1 == allowed.size()) ? " or " : ", ";
    out += "'" + std::string(allowed[i]) + "'";
  }
  return out;
}

}  // namespace

JsonField::JsonField(const json::value* value, json::array loc, std::shared_ptr<json::array> errors)
    : value_(value), loc_(std::move(loc)), errors_(std::move(errors)) {}

JsonField JsonField::child(std::string_view key) const {
  const json::value* v = nullptr;
  if (const json::object* o = object()) {
    auto it = o->find(key);
    if (it != o->end()) v = &it->value();
  }
  json::array loc = loc_;
  loc.emplace_back(key);
  return JsonField(v, std::move(loc), errors_);
}

JsonField JsonField::item(std::size_t index, const json::value& v) const {
  json::array loc = loc_;
  loc.emplace_back(static_cast<int64_t>(index));
  return JsonField(&v, std::move(loc), errors_);
}

bool JsonField::or_operator() const {
  JsonField op = child("operator");
  if (!op.set()) return false;
  auto v = op.enum_value({"and_", "or_"});
  return v && *v == "or_";
}

bool JsonField::has_key(std::string_view key) const {
  const json::object* o = object();
  return o && o->contains(key);
}

void JsonField::error(std::string_view type, std::string_view msg, json::object ctx) const {
  json::object e{{"type", type}, {"loc", loc_}, {"msg", msg}, {"input", value_ ? *value_ : json::value()}};
  if (!ctx.empty()) e["ctx"] = std::move(ctx);
  errors_->push_back(std::move(e));
}

void JsonField::missing(std::string_view key) const {
  json::array loc = loc_;
  loc.emplace_back(key);
  errors_->push_back(json::object{
      {"type", "missing"}, {"loc", std::move(loc)}, {"msg", "Field required"}, {"input", value_ ? *value_ : json::value()}});
}

bool JsonField::model() const {
  if (!set()) return false;
  if (!value_->is_object()) {
    error("model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
    return false;
  }
  return true;
}

std::optional<std::string> JsonField::string() const {
  if (!set()) return std::nullopt;
  if (!value_->is_string()) {
    error("string_type", "Input should be a valid string");
    return std::nullopt;
  }
  // PostgreSQL text cannot hold U+0000 (an insert fails, a comparison is an error), and SQLite
  // would store it; refusing it here gives both backends the same answer, a 422.
  std::string_view text = value_->get_string();
  if (text.find('\0') != std::string_view::npos) {
    error("string_no_nul", "String should not contain the NUL character (\\u0000): PostgreSQL cannot store it");
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> JsonField::uuid() const {
  if (!set()) return std::nullopt;
  if (value_->is_string()) {
    if (auto id = parse_uuid(value_->get_string())) return id;
    error("uuid_parsing", "Input should be a valid UUID");
  } else {
    error("uuid_type", "UUID input should be a string, bytes or UUID object");
  }
  return std::nullopt;
}

std::optional<int64_t> JsonField::integer() const {
  if (!set()) return std::nullopt;
  const json::value& v = *value_;
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
    error("int_from_float", "Input should be a valid integer, got a number with a fractional part");
    return std::nullopt;
  }
  if (v.is_bool()) return v.get_bool() ? 1 : 0;
  if (v.is_string()) {
    std::string_view t = trim(v.get_string());
    int64_t out = 0;
    // from_chars takes '-' but not '+'; Python's int() takes both, once.
    const char* begin = t.data() + (t.size() > 1 && t[0] == '+' && t[1] != '-' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, t.data() + t.size(), out);
    if (!t.empty() && ec == std::errc() && end == t.data() + t.size()) return out;
    error("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
    return std::nullopt;
  }
  error("int_type", "Input should be a valid integer");
  return std::nullopt;
}

std::optional<double> JsonField::number() const {
  if (!set()) return std::nullopt;
  const json::value& v = *value_;
  if (v.is_number()) return v.to_number<double>();
  if (v.is_bool()) return v.get_bool() ? 1.0 : 0.0;
  if (v.is_string()) {
    std::string_view t = trim(v.get_string());
    double out = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    if (!t.empty() && ec == std::errc() && end == t.data() + t.size()) return out;
    error("float_parsing", "Input should be a valid number, unable to parse string as a number");
    return std::nullopt;
  }
  error("float_type", "Input should be a valid number");
  return std::nullopt;
}

std::optional<bool> JsonField::boolean() const {
  if (!set()) return std::nullopt;
  const json::value& v = *value_;
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64() && (v.get_int64() == 0 || v.get_int64() == 1)) return v.get_int64() == 1;
  if (v.is_string()) {
    std::string s(v.get_string());
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "true" || s == "1" || s == "yes" || s == "on" || s == "t" || s == "y") return true;
    if (s == "false" || s == "0" || s == "no" || s == "off" || s == "f" || s == "n") return false;
  }
  if (v.is_string() || v.is_number()) {
    error("bool_parsing", "Input should be a valid boolean, unable to interpret input");
  } else {
    error("bool_type", "Input should be a valid boolean");
  }
  return std::nullopt;
}

std::optional<Timestamp> JsonField::timestamp() const {
  if (!set()) return std::nullopt;
  if (value_->is_string()) {
    if (auto t = parse_timestamp(value_->get_string())) return t;
    error("value_error", "Value error, Unable to parse string [" + std::string(value_->get_string()) + "]",
          json::object{{"error", json::object{}}});
    return std::nullopt;
  }
  error("datetime_type", "Input should be a valid datetime");
  return std::nullopt;
}

const json::object* JsonField::dict() const {
  if (!set()) return nullptr;
  if (!value_->is_object()) {
    error("dict_type", "Input should be a valid dictionary");
    return nullptr;
  }
  return &value_->get_object();
}

const json::array* JsonField::list() const {
  if (!set()) return nullptr;
  if (!value_->is_array()) {
    error("list_type", "Input should be a valid list");
    return nullptr;
  }
  return &value_->get_array();
}

template <class ItemReader>
std::optional<std::vector<std::string>> JsonField::list_of(ItemReader read_item) const {
  const json::array* a = list();
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  bool ok = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (auto v = read_item(item(i, (*a)[i]))) {
      out.push_back(std::move(*v));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> JsonField::string_list() const {
  return list_of([](const JsonField& f) -> std::optional<std::string> {
    if (f.set()) return f.string();
    f.error("string_type", "Input should be a valid string");
    return std::nullopt;
  });
}

std::optional<std::vector<std::string>> JsonField::uuid_list() const {
  return list_of([](const JsonField& f) -> std::optional<std::string> {
    if (f.set()) return f.uuid();
    f.error("uuid_type", "UUID input should be a string, bytes or UUID object");
    return std::nullopt;
  });
}

std::optional<std::string> JsonField::enum_value(const std::vector<std::string_view>& allowed) const {
  if (value_ && value_->is_string()) {
    std::string_view s = value_->get_string();
    if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return std::string(s);
  }
  std::string expected = expected_text(allowed);
  error("enum", "Input should be " + expected, json::object{{"expected", expected}});
  return std::nullopt;
}

std::optional<std::vector<std::string>> JsonField::enum_list(const std::vector<std::string_view>& allowed) const {
  return list_of([&allowed](const JsonField& f) { return f.enum_value(allowed); });
}

}  // namespace praetor::core
