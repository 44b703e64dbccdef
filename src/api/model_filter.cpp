#include "api/model_filter.h"

#include <memory>

#include "core/json_field.h"
#include "core/json_util.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

namespace praetor::api {

namespace json = boost::json;
namespace leaf = core::filter_leaf;
using core::FieldType;
using core::JsonField;
using store::SqlCondition;
using store::sql::Conditions;

namespace {

std::optional<std::vector<std::string>> read_list(const core::Field& f, const JsonField& n) {
  return f.type == FieldType::kUuid ? n.uuid_list() : n.string_list();
}

// The conditions of one field's sub-filter.
SqlCondition field_filter(const core::Model& model, const core::Field& f, const JsonField& n) {
  namespace sql = store::sql;
  std::string expr = store::model_rows::field_expression(model, f);
  bool is_list = f.type == FieldType::kStringList;
  Conditions c;
  if (f.filter & leaf::kAll) {
    if (auto v = n.child("all_").string_list(); v && !v->empty()) c.add(sql::has_all(expr, *v));
  }
  if (f.filter & leaf::kAny) {
    if (is_list) {
      if (auto v = n.child("any_").string_list()) c.add(sql::has_any(expr, *v));
    } else if (auto v = read_list(f, n.child("any_"))) {
      c.add(sql::in_list(expr, *v));
    }
  }
  if (f.filter & leaf::kNotAny) {
    if (auto v = read_list(f, n.child("not_any_")); v && !v->empty()) c.add(sql::not_in_list(expr, *v));
  }
  if (f.filter & leaf::kLike) {
    if (auto v = n.child("like_").string(); v && !v->empty()) c.add(sql::ilike(expr, *v));
  }
  if (f.filter & leaf::kBeforeAfter) {
    if (auto v = n.child("before_").timestamp()) c.add(sql::compare(expr, "<=", core::to_micros(*v)));
    if (auto v = n.child("after_").timestamp()) c.add(sql::compare(expr, ">=", core::to_micros(*v)));
  }
  if (f.filter & leaf::kGeLe) {  // pydantic Optional[int]: int_parsing and friends on a bad value
    if (auto v = n.child("ge_").integer()) c.add(sql::compare(expr, ">=", *v));
    if (auto v = n.child("le_").integer()) c.add(sql::compare(expr, "<=", *v));
  }
  if (f.filter & leaf::kExists) {
    if (auto v = n.child("exists_").boolean()) c.add(sql::null_check(expr, !*v));
  }
  if (f.filter & leaf::kEq) {
    if (auto v = n.child("eq_").boolean()) c.add(sql::compare(expr, "=", *v ? 1 : 0));
  }
  if (f.filter & leaf::kIsNull) {
    if (auto v = n.child("is_null_").boolean()) c.add(is_list ? sql::empty_array(expr, *v) : sql::null_check(expr, *v));
  }
  return std::move(c).join(f.filter_operator && n.or_operator());
}

// The model's own family: {"operator", "<field>": {leaves}}. An absent family still applies
// the fields' filter defaults.
std::optional<SqlCondition> own_filter(const core::Model& model, const JsonField& family,
                                       const std::vector<FamilyKey>& keys) {
  bool given = family.set();
  if (given && !family.model()) return std::nullopt;
  Conditions c;
  for (const auto& f : model.fields) {
    if (f.filter == 0) continue;
    std::string_view key = f.filter_name.empty() ? f.name : f.filter_name;
    if (!f.filter_default.empty() && (!given || !family.has_key(key))) {
      json::value fallback = json::parse(f.filter_default);
      c.add(field_filter(model, f, JsonField(&fallback, family.loc(), family.errors())));
      continue;
    }
    if (!given) continue;
    JsonField n = family.child(key);
    if (!n.model()) continue;
    c.add(field_filter(model, f, n));  // a TRUE child stays in the list, as Prefect keeps it
  }
  if (given) {
    for (const auto& k : keys) {
      if (JsonField n = family.child(k.key); n.model()) k.compile(n, c);
    }
  }
  return std::move(c).join(given && family.or_operator());
}

// `column IN (SELECT id FROM table WHERE …)` when the body carries any of the relation's keys.
core::Result<std::optional<SqlCondition>> related_filter(const core::Model& model, const FilterRelation& relation,
                                                         const json::object& body) {
  json::object keys;
  for (auto key : relation.keys) {
    if (const json::value* v = body.if_contains(key); v && !v->is_null()) keys[key] = *v;
  }
  if (keys.empty()) return std::optional<SqlCondition>();
  auto inner = relation.model ? compile_model_filter(*relation.model, keys) : compile_filter_body(keys, relation.root);
  if (!inner) return inner.error();
  std::string table(relation.table);
  return std::optional<SqlCondition>(SqlCondition{std::string(model.table) + "." + std::string(relation.column) +
                                                      " IN (SELECT " + table + "." + std::string(relation.related_column) + " FROM " + table + " WHERE " +
                                                      inner->sql + ")",
                                                  std::move(inner->params)});
}

}  // namespace

core::Result<SqlCondition> compile_model_filter(const core::Model& model, const json::object& body,
                                                const std::vector<FilterRelation>& relations,
                                                const std::vector<FamilyKey>& keys) {
  auto errors = std::make_shared<json::array>();
  json::value body_value(body);
  JsonField root(&body_value, json::array{"body"}, errors);
  Conditions c;
  if (!model.filter_key.empty()) {
    if (auto own = own_filter(model, root.child(model.filter_key), keys)) c.add(std::move(*own));
  }
  if (!errors->empty()) return core::invalid_request(*errors);
  for (const auto& relation : relations) {
    auto related = related_filter(model, relation, body);
    if (!related) return related.error();
    if (*related) c.add(std::move(**related));
  }
  return std::move(c).join();
}

core::Result<std::string> compile_model_sort(const core::Model& model, const json::value* sort) {
  const core::Sort* chosen = nullptr;
  for (const auto& s : model.sorts) {
    if (s.name == model.default_sort) chosen = &s;
  }
  if (sort && !sort->is_null()) {
    chosen = nullptr;
    for (const auto& s : model.sorts) {
      if (sort->is_string() && s.name == sort->get_string()) chosen = &s;
    }
    if (!chosen) {
      std::vector<std::string_view> names;
      for (const auto& s : model.sorts) names.push_back(s.name);
      auto errors = std::make_shared<json::array>();
      JsonField(sort, json::array{"body", "sort"}, errors).enum_value(names);
      return core::invalid_request(*errors);
    }
  }
  if (!chosen) return std::string();
  return "ORDER BY " + std::string(chosen->order_by);
}

ListQuery model_query(const core::Model& model, std::vector<FilterRelation> relations,
                      std::vector<FamilyKey> keys) {
  return {[&model, relations = std::move(relations), keys = std::move(keys)](const json::object& body) {
            return compile_model_filter(model, body, relations, keys);
          },
          [&model](const json::value* sort) { return compile_model_sort(model, sort); }};
}

}  // namespace praetor::api
