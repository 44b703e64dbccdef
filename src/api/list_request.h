// Decoding of the bodies of /…/filter, /…/count and /…/paginate: the filter keys compiled to
// SQL (api/filter_registry.h, api/model_filter.h), the sort to ORDER BY and
// limit/offset/page, with Prefect's 422s.
#pragma once

#include <functional>
#include <string>

#include <boost/json.hpp>

#include "api/http.h"
#include "core/result.h"
#include "api/filter_registry.h"
#include "store/sql_conditions.h"

namespace praetor::api {

struct Pagination {
  int64_t limit;
  int64_t offset;
  int64_t page = 1;  // as sent to /paginate (default 1)
};
// "limit" (null → default_limit; > default_limit → 422 {"detail":"Invalid limit: must be less
// than or equal to 200."}; < 0 → 422 "… greater than or equal to 0.") and "offset" (≥ 0).
// For /paginate bodies, "page" (≥ 1) sets the offset to (page - 1) * limit.
core::Result<Pagination> read_pagination(const boost::json::object& body, int default_limit);

struct ListRequest {
  boost::json::object body;   // the request body ({} when empty)
  store::SqlCondition where;  // over the root table, unaliased
  std::string order_by;       // "ORDER BY …"
  Pagination page;
};

// A request body that must be a JSON object; an empty body counts as {} (every field of a
// list route has a default).
core::Result<boost::json::object> parse_object_body(const Request& request);

// How a list route reads a body: its filter keys into a WHERE condition over the root table,
// its "sort" (null or absent: the default) into "ORDER BY …", both with Prefect's 422s.
struct ListQuery {
  std::function<core::Result<store::SqlCondition>(const boost::json::object& body)> where;
  std::function<core::Result<std::string>(const boost::json::value* sort)> order_by;
};
// The filter families and sorts the registry (api/filter_registry.h) has for `root`.
ListQuery root_query(FilterRoot root);

// Reads pagination, then the filters, then the sort.
core::Result<ListRequest> parse_list_request(const Request& request, const ListQuery& query, int default_limit);
core::Result<ListRequest> parse_list_request(const Request& request, FilterRoot root, int default_limit);

// The "limit" of a /bulk_delete or /bulk_set_state body: 1..50, default 50 (Prefect's
// BULK_OPERATION_LIMIT), with pydantic's bound errors.
core::Result<int64_t> read_bulk_limit(const boost::json::object& body);

// Filters only (for /count): no limit, offset or sort.
core::Result<store::SqlCondition> parse_count_request(const Request& request, const ListQuery& query);
core::Result<store::SqlCondition> parse_count_request(const Request& request, FilterRoot root);

}  // namespace praetor::api
