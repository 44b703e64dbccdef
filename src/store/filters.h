// Compiles the filter bodies the SDK, CLI and UI send to /…/filter, /…/count and
// /…/paginate into SQL, evaluated by the database (never in memory).
//
// Body keys: "flows" (FlowFilter), "flow_runs" (FlowRunFilter), "task_runs" (TaskRunFilter),
// "deployments", "work_pools", "work_pool_queues"; each may be null or absent (the log
// family is the kit's: core/log.h). Every filter object has "operator": "and_" | "or_" (default and_). Leaves:
// any_, not_any_, like_ (case-insensitive substring, as Prefect's ILIKE '%x%'), all_
// (tags), is_null_, before_/after_ (inclusive), exists_, ge_/le_/gt_/lt_.
// A filter on a related object becomes an EXISTS/IN subquery on the natural relation
// (flow_run.flow_id = flow.id, task_run.flow_run_id = flow_run.id, …).
//
// The SQL uses anonymous '?' placeholders in order; bind `params` with bind_all.
// Tables are referred to by their own names (flow, flow_run, task_run, …), so the caller's
// query must select from the root table unaliased ("SELECT … FROM flow_run WHERE <sql>").
// "deployments", "work_pools" and "work_pool_queues" (or "work_queues" for the work-pool
// and work-queue roots) relate through flow_run.deployment_id / flow_run.work_queue_id,
// deployment.flow_id and deployment.work_queue_id, as Prefect's models do.
// Unknown keys are ignored (DESIGN.md §1.2); wrong types and bad values are 422s.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "store/connection.h"

namespace praetor::store {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

struct SqlCondition {
  std::string sql = "1=1";  // a boolean expression; "1=1" when nothing filters
  std::vector<SqlValue> params;
};

enum class FilterRoot { kFlow, kFlowRun, kTaskRun, kDeployment, kWorkPool, kWorkQueue };

// Errors are 422-shaped (loc under "body").
core::Result<SqlCondition> compile_filter_body(const boost::json::object& body, FilterRoot root);

// "ORDER BY …" for a sort value such as "ID_DESC", "EXPECTED_START_TIME_DESC",
// "NAME_ASC", "TIMESTAMP_ASC"; null or absent → the root's default order. An unknown value
// is a 422 listing the permitted values.
core::Result<std::string> compile_sort(const boost::json::value* sort, FilterRoot root);

struct Pagination {
  int64_t limit;
  int64_t offset;
  int64_t page = 1;  // as sent to /paginate (default 1)
};
// "limit" (null → default_limit; > default_limit → 422 {"detail":"Invalid limit: must be less
// than or equal to 200."}; < 0 → 422 "… greater than or equal to 0.") and "offset" (≥ 0).
// For /paginate bodies, "page" (≥ 1) sets the offset to (page - 1) * limit.
core::Result<Pagination> read_pagination(const boost::json::object& body, int default_limit);

// Binds params to st starting at index `first`; returns the next free index.
int bind_all(Statement& st, const std::vector<SqlValue>& params, int first = 1);

}  // namespace praetor::store
