#include "core/template_filters.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <regex>

#include "core/python_json.h"

namespace praetor::core {

namespace json = boost::json;

namespace {

using Args = std::vector<json::value>;

const json::value* arg(const Args& args, std::size_t i) { return i < args.size() ? &args[i] : nullptr; }

std::optional<double> as_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_bool()) return v.get_bool() ? 1.0 : 0.0;
  return std::nullopt;
}

std::int64_t int_arg(const Args& args, std::size_t i, std::int64_t fallback) {
  const json::value* a = arg(args, i);
  if (!a) return fallback;
  auto n = as_number(*a);
  return n ? static_cast<std::int64_t>(*n) : fallback;
}

std::string string_arg(const Args& args, std::size_t i, std::string fallback) {
  const json::value* a = arg(args, i);
  return a ? template_text(*a) : fallback;
}

// Byte offset of the `n`th code point of UTF-8 `s` (s.size() past the end).
std::size_t utf8_offset(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (; i < s.size() && n > 0; --n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ASCII case mapping, as Praetor has no Unicode tables (non-ASCII letters keep their case).
std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string ascii_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Result<TemplateValue> text_result(std::string s) { return TemplateValue(json::value(std::move(s))); }

Result<TemplateValue> f_default(const TemplateValue& v, const Args& args) {
  bool boolean = arg(args, 1) && template_truthy(*arg(args, 1));
  if (!v || (boolean && !template_truthy(v))) return TemplateValue(arg(args, 0) ? *arg(args, 0) : json::value(""));
  return v;
}

Result<TemplateValue> f_lower(const TemplateValue& v, const Args&) { return text_result(ascii_lower(template_text(v))); }
Result<TemplateValue> f_upper(const TemplateValue& v, const Args&) { return text_result(ascii_upper(template_text(v))); }

Result<TemplateValue> f_capitalize(const TemplateValue& v, const Args&) {
  std::string s = ascii_lower(template_text(v));
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return text_result(std::move(s));
}

// Jinja's title: each word (split at runs of whitespace, '-', '(', '{', '[', '<') gets an
// upper-case first letter and lower-case rest.
Result<TemplateValue> f_title(const TemplateValue& v, const Args&) {
  std::string s = template_text(v);
  auto separator = [](char c) { return std::isspace(static_cast<unsigned char>(c)) || std::string_view("-({[<").find(c) != std::string_view::npos; };
  bool word_start = true;
  for (char& c : s) {
    if (separator(c)) {
      word_start = true;
      continue;
    }
    c = static_cast<char>(word_start ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
    word_start = false;
  }
  return text_result(std::move(s));
}

Result<TemplateValue> f_trim(const TemplateValue& v, const Args& args) {
  std::string s = template_text(v);
  const json::value* chars = arg(args, 0);
  auto strip = [&](char c) {
    if (chars && !chars->is_null()) return template_text(*chars).find(c) != std::string::npos;
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  };
  std::size_t b = 0, e = s.size();
  while (b < e && strip(s[b])) ++b;
  while (e > b && strip(s[e - 1])) --e;
  return text_result(s.substr(b, e - b));
}

Result<TemplateValue> f_string(const TemplateValue& v, const Args&) { return text_result(template_text(v)); }

// Jinja's int: numbers truncate, strings parse (as an integer in `base`, else as a float),
// anything else is the default (0).
Result<TemplateValue> f_int(const TemplateValue& v, const Args& args) {
  json::value fallback = arg(args, 0) ? *arg(args, 0) : json::value(0);
  int base = static_cast<int>(int_arg(args, 1, 10));
  if (!v) return TemplateValue(fallback);
  if (auto n = as_number(*v)) return TemplateValue(json::value(static_cast<std::int64_t>(std::trunc(*n))));
  if (v->is_string()) {
    std::string s(v->get_string());
    try {
      std::size_t used = 0;
      long long parsed = std::stoll(s, &used, base);
      while (used < s.size() && std::isspace(static_cast<unsigned char>(s[used]))) ++used;
      if (used == s.size()) return TemplateValue(json::value(static_cast<std::int64_t>(parsed)));
      double d = std::stod(s, &used);
      while (used < s.size() && std::isspace(static_cast<unsigned char>(s[used]))) ++used;
      if (used == s.size() && std::isfinite(d)) return TemplateValue(json::value(static_cast<std::int64_t>(std::trunc(d))));
    } catch (const std::exception&) {  // not a number: the default, as Jinja
    }
  }
  return TemplateValue(fallback);
}

Result<TemplateValue> f_float(const TemplateValue& v, const Args& args) {
  json::value fallback = arg(args, 0) ? *arg(args, 0) : json::value(0.0);
  if (!v) return TemplateValue(fallback);
  if (auto n = as_number(*v)) return TemplateValue(json::value(*n));
  if (v->is_string()) {
    std::string s(v->get_string());
    try {
      std::size_t used = 0;
      double d = std::stod(s, &used);
      while (used < s.size() && std::isspace(static_cast<unsigned char>(s[used]))) ++used;
      if (used == s.size()) return TemplateValue(json::value(d));
    } catch (const std::exception&) {  // not a number: the default, as Jinja
    }
  }
  return TemplateValue(fallback);
}

Result<TemplateValue> f_length(const TemplateValue& v, const Args&) {
  std::size_t n = 0;
  if (!v) {
    n = 0;
  } else if (v->is_string()) {
    n = utf8_length(v->get_string());
  } else if (v->is_array()) {
    n = v->get_array().size();
  } else if (v->is_object()) {
    n = v->get_object().size();
  } else {
    return Error::invalid("the filter 'length' needs a string, list or mapping");
  }
  return TemplateValue(json::value(static_cast<std::int64_t>(n)));
}

// Jinja's tojson: json.dumps with sorted keys, made safe inside HTML.
Result<TemplateValue> f_tojson(const TemplateValue& v, const Args&) {
  if (!v) return Error::invalid("the filter 'tojson' got an undefined value");
  std::string out;
  for (char c : python_json_dumps(*v, true)) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      case '\'': out += "\\u0027"; break;
      default: out += c;
    }
  }
  return text_result(std::move(out));
}

Result<TemplateValue> f_replace(const TemplateValue& v, const Args& args) {
  std::string s = template_text(v);
  if (!arg(args, 0) || !arg(args, 1)) return Error::invalid("the filter 'replace' needs the old and the new text");
  std::string from = template_text(*arg(args, 0)), to = template_text(*arg(args, 1));
  if (from.empty()) return Error::invalid("the filter 'replace' needs a non-empty text to replace");
  std::int64_t count = arg(args, 2) && !arg(args, 2)->is_null() ? int_arg(args, 2, -1) : -1;
  std::string out;
  std::size_t pos = 0;
  for (std::int64_t done = 0; count < 0 || done < count; ++done) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  return text_result(std::move(out));
}

// Jinja's truncate(length=255, killwords=False, end='...', leeway=5).
Result<TemplateValue> f_truncate(const TemplateValue& v, const Args& args) {
  std::string s = template_text(v);
  std::int64_t length = int_arg(args, 0, 255);
  bool killwords = arg(args, 1) && template_truthy(*arg(args, 1));
  std::string end = string_arg(args, 2, "...");
  std::int64_t leeway = arg(args, 3) && !arg(args, 3)->is_null() ? int_arg(args, 3, 5) : 5;
  auto end_length = static_cast<std::int64_t>(utf8_length(end));
  if (length < end_length) return Error::invalid("the filter 'truncate' needs a length of at least its end text");
  if (leeway < 0) return Error::invalid("the filter 'truncate' needs a leeway of at least 0");
  if (static_cast<std::int64_t>(utf8_length(s)) <= length + leeway) return text_result(std::move(s));
  std::string kept = s.substr(0, utf8_offset(s, static_cast<std::size_t>(length - end_length)));
  if (!killwords) {
    auto space = kept.rfind(' ');
    if (space != std::string::npos) kept.resize(space);
  }
  return text_result(kept + end);
}

// Jinja's round(precision=0, method='common'|'ceil'|'floor'); 'common' is Python's round()
// (half to even), which keeps an integer an integer.
Result<TemplateValue> f_round(const TemplateValue& v, const Args& args) {
  if (!v || !as_number(*v) || v->is_bool()) return Error::invalid("the filter 'round' needs a number");
  std::int64_t precision = int_arg(args, 0, 0);
  std::string method = string_arg(args, 1, "common");
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = *as_number(*v);
  if (method == "common") {
    if (v->is_int64() && precision >= 0) return v;
    return TemplateValue(json::value(std::nearbyint(x * scale) / scale));
  }
  if (method == "ceil") return TemplateValue(json::value(std::ceil(x * scale) / scale));
  if (method == "floor") return TemplateValue(json::value(std::floor(x * scale) / scale));
  return Error::invalid("the filter 'round' takes the method common, ceil or floor");
}

// Python's urllib.parse.quote with `safe`; a query-string part also turns spaces into '+'.
std::string url_quote(std::string_view s, bool for_query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_query && c == '/')) {
      out += static_cast<char>(c);
    } else if (for_query && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Jinja's urlencode: a string quoted for a URL path; a mapping (or a list of pairs) as a
// query string.
Result<TemplateValue> f_urlencode(const TemplateValue& v, const Args&) {
  if (v && v->is_object()) {
    std::string out;
    for (const auto& item : v->get_object()) {
      if (!out.empty()) out += '&';
      out += url_quote(item.key(), true) + "=" + url_quote(template_text(item.value()), true);
    }
    return text_result(std::move(out));
  }
  if (v && v->is_array()) {
    std::string out;
    for (const json::value& pair : v->get_array()) {
      const json::array* kv = pair.if_array();
      if (!kv || kv->size() != 2) return Error::invalid("the filter 'urlencode' needs a mapping or a list of pairs");
      if (!out.empty()) out += '&';
      out += url_quote(template_text((*kv)[0]), true) + "=" + url_quote(template_text((*kv)[1]), true);
    }
    return text_result(std::move(out));
  }
  return text_result(url_quote(template_text(v), false));
}

// Prefect's flow_run_id: the id in a ".../flow-run/<uuid>" link inside a text, else None.
Result<TemplateValue> f_flow_run_id(const TemplateValue& v, const Args&) {
  if (!template_truthy(v)) return TemplateValue(json::value(nullptr));
  static const std::regex kLink("flow-run/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  std::string s = template_text(v);
  std::smatch m;
  if (std::regex_search(s, m, kLink)) return text_result(m[1].str());
  return TemplateValue(json::value(nullptr));
}

constexpr std::array<TemplateFilter, 19> kFilters{{
    {"default", 2, f_default},
    {"d", 2, f_default},
    {"lower", 0, f_lower},
    {"upper", 0, f_upper},
    {"title", 0, f_title},
    {"capitalize", 0, f_capitalize},
    {"trim", 1, f_trim},
    {"string", 0, f_string},
    {"int", 2, f_int},
    {"float", 1, f_float},
    {"length", 0, f_length},
    {"tojson", 0, f_tojson},
    {"replace", 3, f_replace},
    {"truncate", 4, f_truncate},
    {"round", 2, f_round},
    {"urlencode", 0, f_urlencode},
    {"flow_run_id", 0, f_flow_run_id},
    // Prefect's links into its UI need the kind of object and PREFECT_UI_URL, which the
    // automations' renderer knows (automations/template.h); it applies them itself.
    {"ui_url", 0, nullptr},
    {"ui_resource_events_url", 0, nullptr},
}};

}  // namespace

const TemplateFilter* find_template_filter(std::string_view name) {
  auto it = std::find_if(kFilters.begin(), kFilters.end(), [&](const TemplateFilter& f) { return f.name == name; });
  return it == kFilters.end() ? nullptr : &*it;
}

namespace {

// Python's repr of a str: single quotes unless the text holds ' and no ", with \\, \n, \r,
// \t and other control characters escaped.
std::string python_string_repr(std::string_view s) {
  const char quote = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') out += {'\\', c};
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += {'\\', 'x', "0123456789abcdef"[u >> 4], "0123456789abcdef"[u & 15]};
    else out += c;
  }
  return out + quote;
}

// Python's repr of the value as Python holds it: lists [a, b], dicts {'k': v}.
std::string python_repr(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return python_string_repr(v.get_string());
    case json::kind::array: {
      std::string out = "[";
      for (const json::value& item : v.get_array()) out += (out.size() > 1 ? ", " : "") + python_repr(item);
      return out + "]";
    }
    case json::kind::object: {
      std::string out = "{";
      for (const auto& [key, item] : v.get_object()) {
        out += (out.size() > 1 ? ", " : "") + python_string_repr(key) + ": " + python_repr(item);
      }
      return out + "}";
    }
    default: return template_text(v);
  }
}

}  // namespace

std::string template_text(const TemplateValue& value) {
  if (!value) return "";
  switch (value->kind()) {
    case json::kind::null: return "None";
    case json::kind::bool_: return value->get_bool() ? "True" : "False";
    case json::kind::int64: return std::to_string(value->get_int64());
    case json::kind::uint64: return std::to_string(value->get_uint64());
    case json::kind::double_: return python_float_repr(value->get_double());
    case json::kind::string: return std::string(value->get_string());
    case json::kind::array:
    case json::kind::object: return python_repr(*value);
  }
  return "";
}

bool template_truthy(const TemplateValue& v) {
  if (!v) return false;
  switch (v->kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v->get_bool();
    case json::kind::int64: return v->get_int64() != 0;
    case json::kind::uint64: return v->get_uint64() != 0;
    case json::kind::double_: return v->get_double() != 0;
    case json::kind::string: return !v->get_string().empty();
    case json::kind::array: return !v->get_array().empty();
    case json::kind::object: return !v->get_object().empty();
  }
  return false;
}

}  // namespace praetor::core
