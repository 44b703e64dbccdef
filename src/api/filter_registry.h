// The filter bodies the SDK, CLI and UI send to the run-path tables' /…/filter, /…/count and
// /…/paginate routes, compiled to SQL evaluated by the database (never in memory).
//
// One registry entry per root table (filter_registry.cpp) says which body key holds the
// root's own family (api/filter_families.h), which other families the route accepts and how
// each relates to the root (an EXISTS or an IN subquery on the natural relation, as
// Prefect's models/*.py join them: flow_run.flow_id = flow.id, task_run.flow_run_id =
// flow_run.id, …), and the root's sorts with their default. A family set in the body (an
// object, even an empty one) restricts the root to rows with a related row matching it; a
// key the root's route does not take is ignored, as Prefect's routers ignore it.
//
// The SQL refers to tables by their own names, so the caller's query selects from the root
// table unaliased ("SELECT … FROM flow_run WHERE <sql>"); bind `params` with bind_all.
#pragma once

#include <string>

#include <boost/json.hpp>

#include "core/result.h"
#include "store/sql_conditions.h"

namespace praetor::api {

enum class FilterRoot { kFlow, kFlowRun, kTaskRun, kDeployment, kWorkPool, kWorkQueue };

// The WHERE condition for a body's filter keys; errors are pydantic's 422s (loc under "body").
core::Result<store::SqlCondition> compile_filter_body(const boost::json::object& body, FilterRoot root);

// "ORDER BY …" for a sort value such as "ID_DESC", "EXPECTED_START_TIME_DESC", "NAME_ASC";
// null or absent → the root's default order. An unknown value is a 422 listing the root's
// sorts.
core::Result<std::string> compile_sort(const boost::json::value* sort, FilterRoot root);

}  // namespace praetor::api
