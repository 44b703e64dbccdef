// Decoding of the bodies of /…/filter, /…/count and /…/paginate: the filter keys compiled to
// SQL (store/filters.h), the sort to ORDER BY and limit/offset/page, with Prefect's 422s.
#pragma once

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

// Reads pagination, then the filters, then the sort.
core::Result<ListRequest> parse_list_request(const Request& request, store::FilterRoot root, int default_limit);

// The "limit" of a /bulk_delete or /bulk_set_state body: 1..50, default 50 (Prefect's
// BULK_OPERATION_LIMIT), with pydantic's bound errors.
core::Result<int64_t> read_bulk_limit(const boost::json::object& body);

// Filters only (for /count): no limit, offset or sort.
core::Result<store::SqlCondition> parse_count_request(const Request& request, store::FilterRoot root);

}  // namespace praetor::api
