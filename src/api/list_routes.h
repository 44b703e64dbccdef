// The three list routes every listed resource has — /filter, /count and /paginate —
// written once. A resource supplies how to read its filters and sort, one page of rows as
// JSON and how to count.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "api/context.h"
#include "api/http.h"
#include "api/list_request.h"
#include "api/router.h"
#include "core/result.h"
#include "store/sql_conditions.h"

namespace praetor::api {

struct ListSource {
  ListQuery query;
  // One page of rows matching `where`, in `order_by` order, as response JSON.
  std::function<boost::json::array(store::Connection&, const store::SqlCondition& where, const std::string& order_by,
                                   const Pagination& page)>
      rows;
  std::function<int64_t(store::Connection&, const store::SqlCondition& where)> count;
  // When set, tried before `count` with the request's (validated) body: the count from a
  // maintained aggregate, or nullopt when it cannot answer that filter.
  std::function<std::optional<int64_t>(store::Connection&, const boost::json::object& body)> aggregate_count;
  // When set, a condition (from a maintained aggregate) that every row of the requested page
  // meets, ANDed onto `where` for `rows` so the page's walk is bounded; nullopt for none.
  std::function<std::optional<store::SqlCondition>(store::Connection&, const boost::json::object& body,
                                                   const Pagination& page)>
      page_range;
};

// POST …/filter: a JSON array of rows.
core::Result<Response> filter_response(ApiContext& ctx, const Request& req, const ListSource& source);
// POST …/count: an integer.
core::Result<Response> count_response(ApiContext& ctx, const Request& req, const ListSource& source);
// POST …/paginate: {results, count, limit, pages, page}, page and count from one snapshot.
core::Result<Response> paginate_response(ApiContext& ctx, const Request& req, const ListSource& source);

// Registers POST {base}/filter, {base}/count and {base}/paginate for `source`.
void add_list_routes(Router& router, ApiContext& ctx, const std::string& base, ListSource source);

}  // namespace praetor::api
