#include "core/user_template.h"

#include <algorithm>
#include <cctype>

namespace praetor::core {

const std::vector<std::string_view> kTemplateFilters = {
    "default", "d",     "lower",  "upper",   "title",    "capitalize", "trim",   "string",
    "int",     "float", "length", "tojson",  "replace",  "truncate",   "round",  "urlencode",
    "ui_url",  "ui_resource_events_url",     "flow_run_id"};

namespace {

int line_at(std::string_view text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A recursive-descent reader of one {{ … }} body; `error` names the first unsupported part.
class ExpressionReader {
 public:
  explicit ExpressionReader(std::string_view s) : s_(s) {}

  std::optional<std::string> read() {
    skip_space();
    if (at_end()) return "Expected an expression, got 'end of print statement'";
    if (auto e = primary()) return e;
    skip_space();
    while (!at_end() && s_[i_] == '|') {
      ++i_;
      skip_space();
      std::string filter = name();
      if (filter.empty()) return "expected a filter name after '|'";
      if (std::find(kTemplateFilters.begin(), kTemplateFilters.end(), filter) == kTemplateFilters.end()) {
        return "the filter '" + filter + "' is not supported";
      }
      skip_space();
      if (!at_end() && s_[i_] == '(') {
        ++i_;
        skip_space();
        while (!at_end() && s_[i_] != ')') {
          if (!literal()) return "filter arguments must be literals (strings, numbers, true/false/none)";
          skip_space();
          if (!at_end() && s_[i_] == ',') {
            ++i_;
            skip_space();
          }
        }
        if (at_end()) return "unclosed '(' in the arguments of filter '" + filter + "'";
        ++i_;
        skip_space();
      }
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
  bool string_literal() {
    if (at_end() || (s_[i_] != '"' && s_[i_] != '\'')) return false;
    char quote = s_[i_++];
    while (!at_end() && s_[i_] != quote) i_ += s_[i_] == '\\' ? 2 : 1;
    if (at_end()) return false;
    ++i_;
    return true;
  }
  bool number_literal() {
    std::size_t start = i_;
    if (!at_end() && s_[i_] == '-') ++i_;
    while (!at_end() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
    return i_ > start && std::isdigit(static_cast<unsigned char>(s_[i_ - 1]));
  }
  bool literal() {
    if (string_literal() || number_literal()) return true;
    std::size_t start = i_;
    std::string word = name();
    if (word == "true" || word == "false" || word == "none" || word == "True" || word == "False" || word == "None") {
      return true;
    }
    i_ = start;
    return false;
  }
  // A literal, or name ( .name | [literal] )*.
  std::optional<std::string> primary() {
    if (literal()) return std::nullopt;
    std::string head = name();
    if (head.empty()) return "only a variable path or a literal, with filters, is supported, not '" + std::string(s_) + "'";
    if (head[0] == '_') return "names starting with '_' are not accessible";
    while (!at_end()) {
      skip_space();
      if (at_end()) break;
      if (s_[i_] == '.') {
        ++i_;
        std::string attribute = name();
        if (attribute.empty()) return "expected an attribute name after '.'";
        if (attribute[0] == '_') return "attributes starting with '_' are not accessible";
      } else if (s_[i_] == '[') {
        ++i_;
        skip_space();
        if (!string_literal() && !number_literal()) return "only literal keys are supported inside '[ ]'";
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
  std::size_t i_ = 0;
};

}  // namespace

bool maybe_template(std::string_view text) {
  return text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos;
}

std::optional<TemplateProblem> check_user_template(std::string_view text) {
  std::size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    if (i + 1 >= text.size()) break;
    char kind = text[i + 1];
    if (kind == '#') {
      std::size_t end = text.find("#}", i + 2);
      if (end == std::string_view::npos) return TemplateProblem{line_at(text, i), "Missing end of comment tag", false};
      i = end + 2;
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
      ExpressionReader reader(text.substr(i + 2, end - i - 2));
      if (auto problem = reader.read()) {
        bool syntax = problem->rfind("Expected an expression", 0) == 0;
        return TemplateProblem{line_at(text, i),
                               syntax ? *problem : "unsupported template expression: " + *problem, !syntax};
      }
      i = end + 2;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace praetor::core
