// Prefect's filter families of the run-path tables (server/schemas/filters.py: FlowFilter,
// FlowRunFilter, TaskRunFilter, DeploymentFilter, WorkPoolFilter, WorkQueueFilter), each read
// from its JSON with pydantic's 422 shapes (core::JsonField records them) and compiled to a
// condition over its own unaliased table with store/sql_conditions.h.
//
// Every family object has "operator": "and_" | "or_" (default and_). Leaves: any_,
// not_any_, like_ (case-insensitive substring, as Prefect's ILIKE '%x%'), all_ (tags),
// is_null_, before_/after_ (inclusive), exists_, eq_, ge_/le_, startswith_. A sub-filter
// with nothing set is TRUE and stays in its parent's list, as Prefect keeps it. Unknown keys
// are ignored (DESIGN.md §1.2).
#pragma once

#include <string_view>

#include "core/json_field.h"
#include "store/sql_conditions.h"

namespace praetor::api {

enum class FilterFamily { kFlows, kFlowRuns, kTaskRuns, kDeployments, kWorkPools, kWorkQueues };

// The condition `node` (an object) sets over the family's table; errors are recorded on
// `node` (the caller reports them once the whole body is read).
store::SqlCondition compile_family(FilterFamily family, const core::JsonField& node);

}  // namespace praetor::api
