#include "api/list_request.h"

#include "core/json_util.h"

namespace praetor::api {

namespace json = boost::json;

core::Result<json::object> parse_object_body(const Request& request) {
  bool blank = request.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) return json::object{};
  auto body = core::parse_body(request.body);
  if (!body) return body.error();
  if (!body->is_object()) {
    return core::validation_error(json::array{"body"}, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", *body);
  }
  return std::move(body->get_object());
}

ListQuery root_query(store::FilterRoot root) {
  return {[root](const json::object& body) { return store::compile_filter_body(body, root); },
          [root](const json::value* sort) { return store::compile_sort(sort, root); }};
}

core::Result<ListRequest> parse_list_request(const Request& request, const ListQuery& query, int default_limit) {
  auto body = parse_object_body(request);
  if (!body) return body.error();
  auto page = store::read_pagination(*body, default_limit);
  if (!page) return page.error();
  auto where = query.where(*body);
  if (!where) return where.error();
  auto order = query.order_by(body->if_contains("sort"));
  if (!order) return order.error();
  return ListRequest{std::move(*body), std::move(*where), std::move(*order), *page};
}

core::Result<ListRequest> parse_list_request(const Request& request, store::FilterRoot root, int default_limit) {
  return parse_list_request(request, root_query(root), default_limit);
}

core::Result<int64_t> read_bulk_limit(const json::object& body) {
  constexpr int64_t kBulkOperationLimit = 50;
  json::value body_value(body);
  core::FieldReader r(body_value, json::array{"body"});
  int64_t limit = r.integer("limit").value_or(kBulkOperationLimit);
  if (r.ok() && limit < 1) {
    r.add_error("limit", "greater_than_equal", "Input should be greater than or equal to 1", limit);
  } else if (r.ok() && limit > kBulkOperationLimit) {
    r.add_error("limit", "less_than_equal", "Input should be less than or equal to 50", limit);
  }
  if (!r.ok()) return r.error();
  return limit;
}

core::Result<store::SqlCondition> parse_count_request(const Request& request, const ListQuery& query) {
  auto body = parse_object_body(request);
  if (!body) return body.error();
  return query.where(*body);
}

core::Result<store::SqlCondition> parse_count_request(const Request& request, store::FilterRoot root) {
  return parse_count_request(request, root_query(root));
}

}  // namespace praetor::api
