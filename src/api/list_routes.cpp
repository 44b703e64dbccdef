#include "api/list_routes.h"

#include "api/list_request.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

int64_t count_of(Connection& c, const ListSource& source, const store::SqlCondition& where, const json::object& body) {
  if (source.aggregate_count) {
    if (auto n = source.aggregate_count(c, body)) return *n;
  }
  return source.count(c, where);
}

// The page's rows, their walk bounded by the source's page range when it has one.
json::array rows_of(Connection& c, const ListSource& source, const ListRequest& list) {
  if (source.page_range) {
    if (auto range = source.page_range(c, list.body, list.page)) {
      store::SqlCondition where{"(" + list.where.sql + ") AND (" + range->sql + ")", list.where.params};
      where.params.insert(where.params.end(), range->params.begin(), range->params.end());
      return source.rows(c, where, list.order_by, list.page);
    }
  }
  return source.rows(c, list.where, list.order_by, list.page);
}

}  // namespace

core::Result<Response> filter_response(ApiContext& ctx, const Request& req, const ListSource& source) {
  auto list = parse_list_request(req, source.query, ctx.settings.default_limit);
  if (!list) return list.error();
  auto rows = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return rows_of(c, source, *list);
  });
  if (!rows) return rows.error();
  return json_response(200, *rows);
}


core::Result<Response> count_response(ApiContext& ctx, const Request& req, const ListSource& source) {
  auto where = parse_count_request(req, source.query);
  if (!where) return where.error();
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto n = ctx.db.read<int64_t>(
      [&](Connection& c) -> core::Result<int64_t> { return count_of(c, source, *where, *body); });
  if (!n) return n.error();
  return json_response(200, *n);
}

core::Result<Response> paginate_response(ApiContext& ctx, const Request& req, const ListSource& source) {
  auto list = parse_list_request(req, source.query, ctx.settings.default_limit);
  if (!list) return list.error();
  struct Page {
    json::array rows;
    int64_t count = 0;
  };
  auto page = ctx.db.read<Page>([&](Connection& c) -> core::Result<Page> {
    return Page{rows_of(c, source, *list), count_of(c, source, list->where, list->body)};
  });
  if (!page) return page.error();
  int64_t limit = list->page.limit;
  int64_t pages = limit > 0 ? (page->count + limit - 1) / limit : 0;
  return json_response(200, json::object{{"results", std::move(page->rows)},
                                         {"count", page->count},
                                         {"limit", limit},
                                         {"pages", pages},
                                         {"page", list->page.page}});
}

void add_list_routes(Router& router, ApiContext& ctx, const std::string& base, ListSource source) {
  auto shared = std::make_shared<const ListSource>(std::move(source));
  router.add("POST", base + "/filter",
             [&ctx, shared](const Request& req, const PathParams&) { return filter_response(ctx, req, *shared); });
  router.add("POST", base + "/count",
             [&ctx, shared](const Request& req, const PathParams&) { return count_response(ctx, req, *shared); });
  router.add("POST", base + "/paginate",
             [&ctx, shared](const Request& req, const PathParams&) { return paginate_response(ctx, req, *shared); });
}

}  // namespace praetor::api
