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

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `s` split at each `separator` outside quotes.
std::vector<std::string_view> split_outside_quotes(std::string_view s, std::string_view separator) {
  std::vector<std::string_view> out;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (quote) {
      if (s[i] == '\\') ++i;
      else if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s.compare(i, separator.size(), separator) == 0) {
      out.push_back(s.substr(start, i - start));
      i += separator.size() - 1;
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::optional<std::string> read_expression(std::string_view text, TemplateExpression& out) {
  return ExpressionReader(text, out).read();
}

std::optional<std::string> read_condition(std::string_view text, TemplateCondition& out) {
  for (std::string_view alternative : split_outside_quotes(text, " or ")) {
    auto& conjunction = out.emplace_back();
    for (std::string_view term : split_outside_quotes(alternative, " and ")) {
      TemplateComparison c;
      term = trim(term);
      if (term.starts_with("not ")) {
        c.negated = true;
        term = trim(term.substr(4));
      }
      for (std::string_view op : {"==", "!="}) {
        auto sides = split_outside_quotes(term, op);
        if (sides.size() == 2) {
          c.op = op;
          if (auto e = read_expression(sides[1], c.right)) return e;
          term = sides[0];
          break;
        }
      }
      if (auto e = read_expression(term, c.left)) return e;
      conjunction.push_back(std::move(c));
    }
  }
  return std::nullopt;
}

// An open block while parsing: where its parts go, and what may close or continue it.
struct OpenBlock {
  std::string tag;  // "", "for" or "if"
  std::shared_ptr<TemplateFor> loop;
  std::shared_ptr<TemplateIf> branch;
  std::vector<TemplatePart>* parts = nullptr;
  bool in_else = false;
};

}  // namespace

std::variant<std::vector<TemplatePart>, TemplateProblem> parse_user_template(std::string_view text) {
  std::vector<TemplatePart> root;
  std::vector<OpenBlock> open{{"", nullptr, nullptr, &root}};
  bool trim_next = false;  // the last tag ended with "-%}": the text after it loses its leading whitespace
  auto add_text = [&](std::string_view t) {
    if (trim_next) {
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
      trim_next = false;
    }
    if (t.empty()) return;
    auto& parts = *open.back().parts;
    if (!parts.empty() && std::holds_alternative<std::string>(parts.back())) {
      std::get<std::string>(parts.back()).append(t);
    } else {
      parts.emplace_back(std::string(t));
    }
  };
  auto expression_problem = [&](std::size_t at, const std::string& problem) {
    bool syntax = problem.rfind("Expected an expression", 0) == 0;
    return TemplateProblem{line_at(text, at), syntax ? problem : "unsupported template expression: " + problem, !syntax};
  };
  std::size_t copied = 0;  // text before this offset is in the parts
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
      std::size_t end = text.find("%}", i + 2);
      if (end == std::string_view::npos) {
        return TemplateProblem{line_at(text, text.size()), "unexpected end of template, expected 'end of statement block'.",
                               false};
      }
      std::string_view body = text.substr(i + 2, end - i - 2);
      std::string_view before = text.substr(copied, i - copied);
      if (body.starts_with('-')) {
        body.remove_prefix(1);
        while (!before.empty() && std::isspace(static_cast<unsigned char>(before.back()))) before.remove_suffix(1);
      }
      bool trim_after = body.ends_with('-');
      if (trim_after) body.remove_suffix(1);
      add_text(before);
      trim_next = trim_after;
      body = trim(body);
      std::string_view word = body.substr(0, std::min(body.find_first_of(" \t\r\n"), body.size()));
      std::string_view rest = trim(body.substr(word.size()));
      OpenBlock& top = open.back();
      if (word == "for") {
        auto parts = split_outside_quotes(rest, " in ");
        if (parts.size() < 2) return TemplateProblem{line_at(text, i), "expected token 'in'", false};
        auto loop = std::make_shared<TemplateFor>();
        for (std::string_view target : split_outside_quotes(parts[0], ",")) {
          target = trim(target);
          if (target.empty() || !name_start(target[0]) ||
              !std::all_of(target.begin(), target.end(), name_char) || target[0] == '_') {
            return TemplateProblem{line_at(text, i),
                                   "unsupported template statement: loop targets must be names, not '" +
                                       std::string(parts[0]) + "'",
                                   true};
          }
          loop->targets.emplace_back(target);
        }
        std::string_view iterable = rest.substr(parts[0].size() + 4);
        if (auto problem = read_expression(iterable, loop->iterable)) return expression_problem(i, *problem);
        top.parts->emplace_back(std::shared_ptr<const TemplateFor>(loop));
        open.push_back({"for", loop, nullptr, &loop->body});
      } else if (word == "if") {
        auto branch = std::make_shared<TemplateIf>();
        auto& [condition, parts] = branch->branches.emplace_back();
        if (auto problem = read_condition(rest, condition)) return expression_problem(i, *problem);
        top.parts->emplace_back(std::shared_ptr<const TemplateIf>(branch));
        open.push_back({"if", nullptr, branch, &branch->branches.back().second});
      } else if (word == "elif" && top.tag == "if" && !top.in_else) {
        auto& [condition, parts] = top.branch->branches.emplace_back();
        if (auto problem = read_condition(rest, condition)) return expression_problem(i, *problem);
        top.parts = &top.branch->branches.back().second;
      } else if (word == "else" && rest.empty() && !top.tag.empty() && !top.in_else) {
        top.in_else = true;
        top.parts = top.tag == "for" ? &top.loop->empty : &top.branch->otherwise;
      } else if ((word == "endfor" && top.tag == "for") || (word == "endif" && top.tag == "if")) {
        open.pop_back();
      } else if (word == "endfor" || word == "endif" || word == "elif" || word == "else") {
        return TemplateProblem{line_at(text, i), "Encountered unknown tag '" + std::string(word) + "'.", false};
      } else {
        return TemplateProblem{line_at(text, i),
                               "the statement '{% " + std::string(word) +
                                   " %}' is not supported in automation templates (Praetor renders for and if)",
                               true};
      }
      i = copied = end + 2;
    } else if (kind == '{') {
      std::size_t end = text.find("}}", i + 2);
      if (end == std::string_view::npos) {
        return TemplateProblem{line_at(text, text.size()),
                               "unexpected end of template, expected 'end of print statement'.", false};
      }
      TemplateExpression expression;
      if (auto problem = read_expression(text.substr(i + 2, end - i - 2), expression)) {
        return expression_problem(i, *problem);
      }
      add_text(text.substr(copied, i - copied));
      open.back().parts->emplace_back(std::move(expression));
      i = copied = end + 2;
    } else {
      ++i;
    }
  }
  add_text(text.substr(copied));
  if (open.size() > 1) {
    const std::string& tag = open.back().tag;
    return TemplateProblem{line_at(text, text.size()),
                           "Unexpected end of template. Jinja was looking for the following tags: '" +
                               std::string(tag == "for" ? "endfor' or 'else" : "elif' or 'else' or 'endif") +
                               "'. The innermost block that needs to be closed is '" + tag + "'.",
                           false};
  }
  return root;
}

std::optional<TemplateProblem> check_user_template(std::string_view text) {
  auto parsed = parse_user_template(text);
  if (auto* problem = std::get_if<TemplateProblem>(&parsed)) return *problem;
  return std::nullopt;
}

}  // namespace praetor::core
