// The filter family and sorts of a model-described resource (core/model.h), derived from
// its fields' filter leaves: the body key `model.filter_key` holds Prefect's
// <Model>Filter ({"operator", "<field>": {"any_", "not_any_", "like_", "is_null_", "all_",
// "before_", "after_", "exists_", "eq_", "ge_", "le_"[, "operator"]}}), decoded here with pydantic's 422 shapes and compiled
// to SQL with store/sql_conditions.h. Unknown keys are ignored (DESIGN.md §1.2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/http.h"
#include "api/list_request.h"
#include "core/model.h"
#include "core/result.h"
#include "store/sql_conditions.h"
#include "store/sql_conditions.h"

namespace praetor::api {

// A family of another table that a model's filter body may carry beside its own ("flow_runs":
// FlowRunFilter, …): rows whose `column` holds the `related_column` of a `table` row that
// matches those keys of the body, compiled by store's filter compiler for `root` (its
// relations included) or, when `model` is set, as that kit model's own family.
struct FilterRelation {
  std::string_view column;  // the model's column holding the related id: "flow_run_id"
  std::string_view table;   // "flow_run"
  FilterRoot root = FilterRoot::kFlowRun;
  std::vector<std::string_view> keys;  // the body keys that filter it: {"flow_runs", "flows", "deployments"}
  const core::Model* model = nullptr;  // a kit model filtered by its own family instead of `root`
  std::string_view related_column = "id";
};

// A key of the model's own family that is not one field's leaves (LogFilter.text): when the
// family carries it as an object, `compile` records its 422s on `node` and adds its
// conditions to the family's, joined by the family's operator (Prefect extends the family's
// filter list with them).
struct FamilyKey {
  std::string_view key;
  void (*compile)(const core::JsonField& node, store::sql::Conditions& into);
};

// The WHERE condition (over the unaliased table) for a request body's filter.
core::Result<store::SqlCondition> compile_model_filter(const core::Model& model, const boost::json::object& body,
                                                       const std::vector<FilterRelation>& relations = {},
                                                       const std::vector<FamilyKey>& keys = {});
// "ORDER BY …" for a sort value (null or absent: the model's default sort); a name not among
// the model's sorts is pydantic's enum 422.
core::Result<std::string> compile_model_sort(const core::Model& model, const boost::json::value* sort);

// The model's filter family (with `relations`) and sorts, for the list routes.
ListQuery model_query(const core::Model& model, std::vector<FilterRelation> relations = {},
                      std::vector<FamilyKey> keys = {});

}  // namespace praetor::api
