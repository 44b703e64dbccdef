// Filter SQL: the condition a filter compiles to, and its building blocks, shared by the
// run-path filter families (api/filter_families.h) and the model-described ones
// (api/model_filter.h). Each builder returns a boolean expression with anonymous '?'
// placeholders and its parameters in order. Lists are bound as one JSON text parameter and
// expanded with json_each, so the SQL text (and its cached prepared statement) does not
// depend on how many values were sent.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "store/connection.h"

namespace praetor::store {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// A boolean expression over unaliased tables ("flow_run.name = ?") with anonymous '?'
// placeholders, and its parameters in order; bind them with bind_all.
struct SqlCondition {
  std::string sql = "1=1";  // "1=1" when nothing filters
  std::vector<SqlValue> params;
};

// Binds params to st starting at index `first`; returns the next free index.
int bind_all(Statement& st, const std::vector<SqlValue>& params, int first = 1);

}  // namespace praetor::store

namespace praetor::store::sql {

SqlCondition always();  // "1=1"
std::string json_list(const std::vector<std::string>& values);

SqlCondition in_list(const std::string& column, const std::vector<std::string>& values);
SqlCondition not_in_list(const std::string& column, const std::vector<std::string>& values);
// Prefect's ILIKE '%x%' (the value's own % and _ stay wildcards, as in Prefect).
SqlCondition ilike(const std::string& column, const std::string& value);
SqlCondition compare(const std::string& expr, const char* op, int64_t v);
SqlCondition null_check(const std::string& column, bool is_null);
// Superset of `values` (Postgres `tags @> array`).
SqlCondition has_all(const std::string& column, const std::vector<std::string>& values);
// Overlap with `values` (Postgres `tags ?| array`); an empty list matches nothing.
SqlCondition has_any(const std::string& column, const std::vector<std::string>& values);
// A JSON array column is (not) empty.
SqlCondition empty_array(const std::string& column, bool empty);

class Conditions;
// Prefect's LogFilterTextSearch over `haystack` (a text expression): bare terms any-of,
// -term/!term none-of, +term all-of, "quoted phrases" as one term, case-insensitive
// substrings. Adds its groups to `out` (Prefect extends the parent filter's list with them).
void text_search(const std::string& haystack, const std::string& query, Conditions& out);

// Conditions of one filter model, joined by its operator.
class Conditions {
 public:
  void add(SqlCondition c) { parts_.push_back(std::move(c)); }
  bool empty() const { return parts_.empty(); }
  // AND (or OR) of the parts; TRUE when there are none.
  SqlCondition join(bool use_or = false) &&;

 private:
  std::vector<SqlCondition> parts_;
};

}  // namespace praetor::store::sql
