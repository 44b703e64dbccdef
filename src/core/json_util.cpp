#include "core/json_util.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/uuid.h"

namespace praetor::core {

Result<json::value> parse_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    // FastAPI reports an absent required body as a missing field at ["body"].
    return validation_error(json::array{"body"}, "missing", "Field required", nullptr);
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    Error e = validation_error(json::array{"body", 0}, "json_invalid", "JSON decode error",
                               json::object{});
    e.detail.as_array()[0].as_object()["ctx"] = json::object{{"error", ec.message()}};
    return e;
  }
  return v;
}

namespace {

// Python's float repr: the shortest round-trip digits, fixed notation when the decimal
// exponent is in [-4, 16), else d.ddde±XX.
void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  auto e = sci.find('e');
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  if (negative) out.push_back('-');
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out.append(digits, 0, int_len);
        out.push_back('.');
        out.append(digits, int_len, std::string::npos);
      }
    }
    return;
  }
  out.push_back(digits[0]);
  if (digits.size() > 1) {
    out.push_back('.');
    out.append(digits, 1, std::string::npos);
  }
  char exp_buf[8];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  out += exp_buf;
}

}  // namespace

void append_json_text(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      append_double(out, v.get_double());
      return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out.push_back(':');
        append_json_text(out, kv.value());
      }
      out.push_back('}');
      return;
    }
    default:
      out += json::serialize(v);
  }
}

std::string to_json_text(const json::value& v) {
  std::string out;
  append_json_text(out, v);
  return out;
}

Error validation_error(json::array loc, std::string_view type, std::string_view msg,
                       const json::value& input) {
  json::object entry{{"type", type}, {"loc", std::move(loc)}, {"msg", msg}, {"input", input}};
  Error e = Error::invalid(std::string(msg));
  e.detail = json::array{std::move(entry)};
  return e;
}

json::value timestamp_or_null(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return json::value(format_timestamp(*t));
}

FieldReader::FieldReader(const json::value& value, json::array loc)
    : FieldReader(&value, std::move(loc), std::make_shared<json::array>()) {
  if (!obj_) {
    errors_->push_back(json::object{{"type", "model_attributes_type"},
                                    {"loc", loc_},
                                    {"msg", "Input should be a valid dictionary or object to extract fields from"},
                                    {"input", value}});
  }
}

FieldReader::FieldReader(const json::value* value, json::array loc, std::shared_ptr<json::array> errors)
    : value_(value),
      obj_(value ? value->if_object() : nullptr),
      loc_(std::move(loc)),
      errors_(std::move(errors)) {}

json::array FieldReader::loc_of(std::string_view key) const {
  json::array loc = loc_;
  loc.emplace_back(key);
  return loc;
}

void FieldReader::add_error(std::string_view key, std::string_view type, std::string_view msg,
                            const json::value& input) {
  errors_->push_back(
      json::object{{"type", type}, {"loc", loc_of(key)}, {"msg", msg}, {"input", input}});
}

Error FieldReader::error() const {
  Error e = Error::invalid("Invalid request received.");
  e.detail = *errors_;
  return e;
}

bool FieldReader::has(std::string_view key) const {
  if (!obj_) return false;
  auto it = obj_->find(key);
  return it != obj_->end() && !it->value().is_null();
}

bool FieldReader::present(std::string_view key) const { return obj_ && obj_->contains(key); }

const json::value* FieldReader::raw(std::string_view key) const {
  if (!obj_) return nullptr;
  auto it = obj_->find(key);
  return it == obj_->end() ? nullptr : &it->value();
}

const json::value* FieldReader::get(std::string_view key, bool required) {
  if (!obj_) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end() || it->value().is_null()) {
    if (required) {
      add_error(key, "missing", "Field required", value_ ? *value_ : json::value());
    }
    return nullptr;
  }
  return &it->value();
}

std::optional<std::string> FieldReader::string(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    add_error(key, "string_type", "Input should be a valid string", *v);
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::string> FieldReader::uuid(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    if (auto id = parse_uuid(v->get_string())) return id;
  }
  add_error(key, "uuid_parsing", "Input should be a valid UUID", *v);
  return std::nullopt;
}

std::optional<Timestamp> FieldReader::timestamp(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    if (auto t = parse_timestamp(v->get_string())) return t;
  }
  add_error(key, "datetime_parsing", "Input should be a valid datetime", *v);
  return std::nullopt;
}

std::optional<int64_t> FieldReader::integer(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    double d = v->get_double();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  add_error(key, "int_type", "Input should be a valid integer", *v);
  return std::nullopt;
}

std::optional<double> FieldReader::number(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  add_error(key, "float_type", "Input should be a valid number", *v);
  return std::nullopt;
}

std::optional<bool> FieldReader::boolean(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  add_error(key, "bool_type", "Input should be a valid boolean", *v);
  return std::nullopt;
}

const json::object* FieldReader::object(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    add_error(key, "dict_type", "Input should be a valid dictionary", *v);
    return nullptr;
  }
  return &v->get_object();
}

const json::array* FieldReader::array(std::string_view key, bool required) {
  const json::value* v = get(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    add_error(key, "list_type", "Input should be a valid list", *v);
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::vector<std::string>> FieldReader::string_list(std::string_view key, bool required) {
  const json::array* a = array(key, required);
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const auto& item : *a) {
    if (!item.is_string()) {
      add_error(key, "string_type", "Input should be a valid string", item);
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::vector<std::string>> FieldReader::uuid_list(std::string_view key, bool required) {
  const json::array* a = array(key, required);
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const auto& item : *a) {
    std::optional<std::string> id;
    if (item.is_string()) id = parse_uuid(item.get_string());
    if (!id) {
      add_error(key, "uuid_parsing", "Input should be a valid UUID", item);
      return std::nullopt;
    }
    out.push_back(std::move(*id));
  }
  return out;
}

FieldReader FieldReader::nested(std::string_view key) {
  const json::value* v = get(key, false);
  if (v && !v->is_object()) {
    add_error(key, "dict_type", "Input should be a valid dictionary", *v);
    v = nullptr;
  }
  return FieldReader(v, loc_of(key), errors_);
}

}  // namespace praetor::core
