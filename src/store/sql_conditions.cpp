#include "store/sql_conditions.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <boost/json.hpp>

namespace praetor::store {

int bind_all(Statement& st, const std::vector<SqlValue>& params, int first) {
  int i = first;
  for (const auto& p : params) {
    std::visit([&](const auto& v) { st.bind(i, v); }, p);
    ++i;
  }
  return i;
}

}  // namespace praetor::store

namespace praetor::store::sql {

namespace json = boost::json;

SqlCondition always() { return SqlCondition{"1=1", {}}; }

std::string json_list(const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return json::serialize(a);
}

SqlCondition in_list(const std::string& column, const std::vector<std::string>& values) {
  return {column + " IN (SELECT value FROM json_each(?))", {json_list(values)}};
}
SqlCondition not_in_list(const std::string& column, const std::vector<std::string>& values) {
  return {column + " NOT IN (SELECT value FROM json_each(?))", {json_list(values)}};
}
SqlCondition ilike(const std::string& column, const std::string& value) {
  return {"lower(" + column + ") LIKE lower(?)", {"%" + value + "%"}};
}
SqlCondition compare(const std::string& expr, const char* op, int64_t v) { return {expr + " " + op + " ?", {v}}; }
SqlCondition null_check(const std::string& column, bool is_null) {
  return {column + (is_null ? " IS NULL" : " IS NOT NULL"), {}};
}
SqlCondition has_all(const std::string& column, const std::vector<std::string>& values) {
  return {"NOT EXISTS (SELECT 1 FROM json_each(?) AS want WHERE NOT EXISTS (SELECT 1 FROM json_each(" + column +
              ") AS have WHERE have.value = want.value))",
          {json_list(values)}};
}
SqlCondition has_any(const std::string& column, const std::vector<std::string>& values) {
  return {"EXISTS (SELECT 1 FROM json_each(" + column + ") AS have WHERE have.value IN (SELECT value FROM json_each(?)))",
          {json_list(values)}};
}
SqlCondition empty_array(const std::string& column, bool empty) {
  return {"json_array_length(" + column + (empty ? ") = 0" : ") <> 0"), {}};
}

SqlCondition Conditions::join(bool use_or) && {
  if (parts_.empty()) return always();
  if (parts_.size() == 1) return std::move(parts_[0]);
  SqlCondition out{"", {}};
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) out.sql += use_or ? " OR " : " AND ";
    out.sql += "(" + parts_[i].sql + ")";
    for (auto& p : parts_[i].params) out.params.push_back(std::move(p));
  }
  return out;
}

namespace {

// Prefect's text search syntax (server/utilities/text_search_parser.py): space-separated
// terms OR'd, -term/!term excluded, +term required, "quoted phrases" with \" escapes.
struct TextQuery {
  std::vector<std::string> include, exclude, required;
};

std::string unescape_phrase(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size() && (p[i + 1] == '"' || p[i + 1] == '\\')) {
      out += p[i + 1];
      ++i;
    } else {
      out += p[i];
    }
  }
  return out;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; });
}

TextQuery parse_text_query(std::string_view q) {
  TextQuery out;
  auto space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  std::size_t i = 0;
  while (i < q.size()) {
    if (space(q[i])) {
      ++i;
      continue;
    }
    char prefix = 0;
    if (q[i] == '-' || q[i] == '!' || q[i] == '+') {
      if (i + 1 < q.size() && !space(q[i + 1])) {
        prefix = q[i];
        ++i;
      } else {
        ++i;
        continue;
      }
    }
    auto& bucket = (prefix == '-' || prefix == '!') ? out.exclude : (prefix == '+' ? out.required : out.include);
    if (q[i] == '"') {
      std::size_t start = ++i;
      while (i < q.size()) {
        if (q[i] == '\\' && i + 1 < q.size()) {
          i += 2;
        } else if (q[i] == '"') {
          break;
        } else {
          ++i;
        }
      }
      std::string phrase = unescape_phrase(q.substr(start, std::min(i, q.size()) - start));
      if (i < q.size()) ++i;
      if (!is_blank(phrase)) bucket.push_back(std::move(phrase));
      continue;
    }
    std::size_t start = i;
    while (i < q.size() && !space(q[i]) && q[i] != '"') ++i;
    if (i > start) bucket.emplace_back(q.substr(start, i - start));
  }
  return out;
}

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

}  // namespace

void text_search(const std::string& haystack_text, const std::string& query, Conditions& out) {
  if (is_blank(query)) return;
  TextQuery q = parse_text_query(query);
  const std::string haystack = "instr(lower(" + haystack_text + "), ?)";
  auto contains = [&](const std::string& term, bool negate) {
    return SqlCondition{(negate ? "NOT " : "") + haystack + " > 0", {lowered(term)}};
  };
  if (!q.include.empty()) {
    Conditions any;
    for (const auto& t : q.include) any.add(contains(t, false));
    out.add(std::move(any).join(true));
  }
  if (!q.exclude.empty()) {
    Conditions none;
    for (const auto& t : q.exclude) none.add(contains(t, true));
    out.add(std::move(none).join());
  }
  if (!q.required.empty()) {
    Conditions all;
    for (const auto& t : q.required) all.add(contains(t, false));
    out.add(std::move(all).join());
  }
}

}  // namespace praetor::store::sql
