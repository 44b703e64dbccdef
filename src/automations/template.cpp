#include "automations/template.h"

#include <cctype>

namespace praetor::automations {

namespace json = boost::json;

namespace {

struct Expression {
  std::vector<std::string> path;  // name, then attributes
};

core::Error unsupported(const std::string& what) {
  return core::Error::invalid("unsupported template syntax: " + what +
                              " (Praetor renders {{ name.attribute }} expressions only)");
}

core::Result<Expression> parse_expression(std::string_view s) {
  Expression e;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  auto read_name = [&]() -> std::string {
    std::size_t start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    return std::string(s.substr(start, i - start));
  };
  skip_space();
  auto name = read_name();
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return unsupported("{{" + std::string(s) + "}}");
  e.path.push_back(name);
  for (;;) {
    skip_space();
    if (i >= s.size()) break;
    if (s[i] == '.') {
      ++i;
      skip_space();
      auto attr = read_name();
      if (attr.empty()) return unsupported("{{" + std::string(s) + "}}");
      e.path.push_back(attr);
    } else if (s[i] == '[') {
      ++i;
      skip_space();
      if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) return unsupported("{{" + std::string(s) + "}}");
      char quote = s[i++];
      auto end = s.find(quote, i);
      if (end == std::string_view::npos) return unsupported("{{" + std::string(s) + "}}");
      e.path.emplace_back(s.substr(i, end - i));
      i = end + 1;
      skip_space();
      if (i >= s.size() || s[i] != ']') return unsupported("{{" + std::string(s) + "}}");
      ++i;
    } else {
      return unsupported("{{" + std::string(s) + "}}");
    }
  }
  return e;
}

// Calls `on_text` and `on_expression` in order; errors on `{%`, `{#` and unclosed `{{`.
core::Status scan(const std::string& text, const std::function<void(std::string_view)>& on_text,
                  const std::function<core::Status(const Expression&)>& on_expression) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find('{', pos);
    while (open != std::string::npos && open + 1 < text.size() && text[open + 1] != '{' && text[open + 1] != '%' &&
           text[open + 1] != '#')
      open = text.find('{', open + 1);
    if (open == std::string::npos || open + 1 >= text.size()) {
      on_text(std::string_view(text).substr(pos));
      return core::Ok{};
    }
    if (text[open + 1] == '%') return unsupported("{% ... %} statements");
    if (text[open + 1] == '#') return unsupported("{# ... #} comments");
    on_text(std::string_view(text).substr(pos, open - pos));
    auto close = text.find("}}", open + 2);
    if (close == std::string::npos) return unsupported("an unclosed {{");
    auto expr = parse_expression(std::string_view(text).substr(open + 2, close - open - 2));
    if (!expr) return expr.error();
    if (auto st = on_expression(*expr); !st) return st;
    pos = close + 2;
  }
  return core::Ok{};
}

}  // namespace

core::Result<std::vector<std::string>> template_names(const std::string& text) {
  std::vector<std::string> names;
  auto st = scan(
      text, [](std::string_view) {},
      [&](const Expression& e) -> core::Status {
        if (std::find(names.begin(), names.end(), e.path[0]) == names.end()) names.push_back(e.path[0]);
        return core::Ok{};
      });
  if (!st) return st.error();
  return names;
}

core::Result<std::string> render_template(const std::string& text, const json::object& context) {
  std::string out;
  auto st = scan(
      text, [&](std::string_view t) { out.append(t); },
      [&](const Expression& e) -> core::Status {
        const json::value* v = nullptr;
        auto it = context.find(e.path[0]);
        if (it != context.end()) v = &it->value();
        for (std::size_t i = 1; v && i < e.path.size(); ++i) {
          const json::object* o = v->if_object();
          if (!o) {
            v = nullptr;
            break;
          }
          auto f = o->find(e.path[i]);
          v = f == o->end() ? nullptr : &f->value();
        }
        if (!v || v->is_null()) {
          if (v && v->is_null()) out += "None";  // Python's str(None)
          return core::Ok{};
        }
        if (v->is_string()) {
          out.append(v->get_string());
        } else if (v->is_bool()) {
          out += v->get_bool() ? "True" : "False";
        } else {
          out += json::serialize(*v);
        }
        return core::Ok{};
      });
  if (!st) return st.error();
  return out;
}

}  // namespace praetor::automations
