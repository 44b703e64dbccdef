#include "core/json_util.h"

#include <charconv>
#include <cmath>
#include <cstdlib>


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
  char exp_buf[16];
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

Error invalid_request(json::array detail) {
  Error e = Error::invalid("Invalid request received.");
  e.detail = std::move(detail);
  return e;
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
    : self_(&value, std::move(loc), std::make_shared<json::array>()) {
  if (!value.is_object()) {
    self_.error("model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
  }
}

bool FieldReader::has(std::string_view key) const { return self_.child(key).set(); }

const json::value* FieldReader::raw(std::string_view key) const {
  const json::object* o = self_.object();
  if (!o) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->value();
}

JsonField FieldReader::get(std::string_view key, bool required) {
  JsonField f = self_.child(key);
  if (required && !f.set() && self_.object()) self_.missing(key);
  return f;
}

FieldReader FieldReader::nested(std::string_view key) {
  JsonField f = self_.child(key);
  if (f.model()) return FieldReader(std::move(f));
  // Unset or not an object (already recorded): an empty reader at the same location.
  return FieldReader(JsonField(nullptr, f.loc(), f.errors()));
}

void FieldReader::add_error(std::string_view key, std::string_view type, std::string_view msg,
                            const json::value& input) {
  json::array loc = self_.loc();
  loc.emplace_back(key);
  self_.errors()->push_back(json::object{{"type", type}, {"loc", std::move(loc)}, {"msg", msg}, {"input", input}});
}

Error FieldReader::error() const { return invalid_request(*self_.errors()); }

std::string string_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

}  // namespace praetor::core
