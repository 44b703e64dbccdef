#include "store/sql_conditions.h"

#include <boost/json.hpp>

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

}  // namespace praetor::store::sql
