#include "core/user_template.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/template_filters.h"

namespace praetor::core {

namespace {

int line_at(std::string_view text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A recursive-descent reader of one {{ … }} body into `out`; read() names the first
// unsupported part.
class ExpressionReader {
 public:
  ExpressionReader(std::string_view s, TemplateExpression& out) : s_(s), out_(out) {}

  std::optional<std::string> read() {
    skip_space();
    if (at_end()) return "Expected an expression, got 'end of print statement'";
    if (auto e = primary()) return e;
    skip_space();
    while (!at_end() && s_[i_] == '|') {
      ++i_;
      skip_space();
      TemplateFilterCall call{name(), {}};
      if (call.name.empty()) return "expected a filter name after '|'";
      if (!find_template_filter(call.name)) return "the filter '" + call.name + "' is not supported";
      skip_space();
      if (!at_end() && s_[i_] == '(') {
        ++i_;
        skip_space();
        while (!at_end() && s_[i_] != ')') {
          auto arg = literal();
          if (!arg) return "filter arguments must be literals (strings, numbers, true/false/none)";
          call.args.push_back(std::move(*arg));
          skip_space();
          if (!at_end() && s_[i_] == ',') {
            ++i_;
            skip_space();
          }
        }
        if (at_end()) return "unclosed '(' in the arguments of filter '" + call.name + "'";
        ++i_;
        skip_space();
      }
      if (call.args.size() > find_template_filter(call.name)->max_args) {
        return "the filter '" + call.name + "' takes at most " +
               std::to_string(find_template_filter(call.name)->max_args) + " arguments";
      }
      out_.filters.push_back(std::move(call));
    }
    if (!at_end()) return "only a variable path or a literal, with filters, is supported, not '" + std::string(s_) + "'";
    return std::nullopt;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string name() {
    std::size_t start = i_;
    if (at_end() || !name_start(s_[i_])) return {};
    while (!at_end() && name_char(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // Jinja's string literal, with its common escapes decoded.
  std::optional<std::string> string_literal() {
    if (at_end() || (s_[i_] != '"' && s_[i_] != '\'')) return std::nullopt;
    std::size_t start = i_;
    char quote = s_[i_++];
    std::string value;
    while (!at_end() && s_[i_] != quote) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
        char e = s_[i_ + 1];
        value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        i_ += 2;
      } else {
        value += s_[i_++];
      }
    }
    if (at_end()) {
      i_ = start;
      return std::nullopt;
    }
    ++i_;
    return value;
  }
  std::optional<boost::json::value> number_literal() {
    std::size_t start = i_;
    if (!at_end() && s_[i_] == '-') ++i_;
    bool fraction = false;
    while (!at_end() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) fraction |= s_[i_++] == '.';
    if (i_ == start || !std::isdigit(static_cast<unsigned char>(s_[i_ - 1]))) {
      i_ = start;
      return std::nullopt;
    }
    std::string text(s_.substr(start, i_ - start));
    try {
      if (fraction) return boost::json::value(std::stod(text));
      return boost::json::value(static_cast<std::int64_t>(std::stoll(text)));
    } catch (const std::exception&) {  // out of range: not a literal Praetor keeps exactly
      i_ = start;
      return std::nullopt;
    }
  }
  std::optional<boost::json::value> literal() {
    if (auto text = string_literal()) return boost::json::value(*text);
    if (auto number = number_literal()) return number;
    std::size_t start = i_;
    std::string word = name();
    if (word == "true" || word == "True") return boost::json::value(true);
    if (word == "false" || word == "False") return boost::json::value(false);
    if (word == "none" || word == "None") return boost::json::value(nullptr);
    i_ = start;
    return std::nullopt;
  }
  // A literal, or name ( .name | [literal] )*.
  std::optional<std::string> primary() {
    if (auto value = literal()) {
      out_.literal = std::move(*value);
      return std::nullopt;
    }
    std::string head = name();
    if (head.empty()) return "only a variable path or a literal, with filters, is supported, not '" + std::string(s_) + "'";
    if (head[0] == '_') return "names starting with '_' are not accessible";
    out_.path.emplace_back(head);
    while (!at_end()) {
      skip_space();
      if (at_end()) break;
      if (s_[i_] == '.') {
        ++i_;
        std::string attribute = name();
        if (attribute.empty()) return "expected an attribute name after '.'";
        if (attribute[0] == '_') return "attributes starting with '_' are not accessible";
        out_.path.emplace_back(attribute);
      } else if (s_[i_] == '[') {
        ++i_;
        skip_space();
        std::optional<boost::json::value> key;
        if (auto text = string_literal()) key = boost::json::value(*text);
        else key = number_literal();
        if (!key || !(key->is_string() || key->is_int64())) return "only literal keys are supported inside '[ ]'";
        out_.path.push_back(std::move(*key));
        skip_space();
        if (at_end() || s_[i_] != ']') return "unclosed '['";
        ++i_;
      } else if (s_[i_] == '(') {
        return "calls are not supported";
      } else {
        break;
      }
    }
    return std::nullopt;
  }

  std::string_view s_;
  TemplateExpression& out_;
  std::size_t i_ = 0;
};

}  // namespace

bool maybe_template(std::string_view text) {
  return text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos;
}

std::variant<std::vector<TemplatePart>, TemplateProblem> parse_user_template(std::string_view text) {
  std::vector<TemplatePart> parts;
  auto add_text = [&](std::string_view t) {
    if (t.empty()) return;
    if (!parts.empty() && std::holds_alternative<std::string>(parts.back())) {
      std::get<std::string>(parts.back()).append(t);
    } else {
      parts.emplace_back(std::string(t));
    }
  };
  std::size_t copied = 0;  // text before this offset is in `parts`
  std::size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    if (i + 1 >= text.size()) break;
    char kind = text[i + 1];
    if (kind == '#') {
      std::size_t end = text.find("#}", i + 2);
      if (end == std::string_view::npos) return TemplateProblem{line_at(text, i), "Missing end of comment tag", false};
      add_text(text.substr(copied, i - copied));
      i = copied = end + 2;
    } else if (kind == '%') {
      return TemplateProblem{line_at(text, i),
                             "Jinja statements ('{% ... %}': loops, conditions, assignments) are not supported in "
                             "automation templates; use expressions such as {{ flow_run.name }}",
                             true};
    } else if (kind == '{') {
      std::size_t end = text.find("}}", i + 2);
      if (end == std::string_view::npos) {
        return TemplateProblem{line_at(text, text.size()),
                               "unexpected end of template, expected 'end of print statement'.", false};
      }
      TemplateExpression expression;
      ExpressionReader reader(text.substr(i + 2, end - i - 2), expression);
      if (auto problem = reader.read()) {
        bool syntax = problem->rfind("Expected an expression", 0) == 0;
        return TemplateProblem{line_at(text, i),
                               syntax ? *problem : "unsupported template expression: " + *problem, !syntax};
      }
      add_text(text.substr(copied, i - copied));
      parts.emplace_back(std::move(expression));
      i = copied = end + 2;
    } else {
      ++i;
    }
  }
  add_text(text.substr(copied));
  return parts;
}

std::optional<TemplateProblem> check_user_template(std::string_view text) {
  auto parsed = parse_user_template(text);
  if (auto* problem = std::get_if<TemplateProblem>(&parsed)) return *problem;
  return std::nullopt;
}

}  // namespace praetor::core
