// Decoding of the bodies of /…/filter, /…/count and /…/paginate: the filter keys compiled to
// SQL (store/filters.h), the sort to ORDER BY and limit/offset/page, with Prefect's 422s.
#pragma once

#include <functional>
#include <string>

#include <boost/json.hpp>

#include "api/http.h"
#include "core/result.h"
#include "store/filters.h"

namespace praetor::api {

struct ListRequest {
  boost::json::object body;   // the request body ({} when empty)
  store::SqlCondition where;  // over the root table, unaliased
  std::string order_by;       // "ORDER BY …"
  store::Pagination page;
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
// The filter families and sorts store/filters.h compiles for `root`.
ListQuery root_query(store::FilterRoot root);

// Reads pagination, then the filters, then the sort.
core::Result<ListRequest> parse_list_request(const Request& request, const ListQuery& query, int default_limit);
core::Result<ListRequest> parse_list_request(const Request& request, store::FilterRoot root, int default_limit);

// The "limit" of a /bulk_delete or /bulk_set_state body: 1..50, default 50 (Prefect's
// BULK_OPERATION_LIMIT), with pydantic's bound errors.
core::Result<int64_t> read_bulk_limit(const boost::json::object& body);

// Filters only (for /count): no limit, offset or sort.
core::Result<store::SqlCondition> parse_count_request(const Request& request, const ListQuery& query);
core::Result<store::SqlCondition> parse_count_request(const Request& request, store::FilterRoot root);

}  // namespace praetor::api
