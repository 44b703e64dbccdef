#include "api/list_request.h"

#include <memory>

#include "core/json_field.h"
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

core::Result<Pagination> read_pagination(const json::object& body, int default_limit) {
  auto errors = std::make_shared<json::array>();
  json::value body_value(body);
  core::JsonField b(&body_value, json::array{"body"}, errors);
  auto limit = b.child("limit").integer();
  core::JsonField offset_node = b.child("offset");
  auto offset = offset_node.integer();
  if (offset && *offset < 0) {
    offset_node.error("greater_than_equal", "Input should be greater than or equal to 0", json::object{{"ge", 0}});
  }
  core::JsonField page_node = b.child("page");
  auto page = page_node.integer();
  if (page && *page < 1) {
    page_node.error("greater_than_equal", "Input should be greater than or equal to 1", json::object{{"ge", 1}});
  }
  if (!errors->empty()) return core::invalid_request(*errors);

  // api/dependencies.py LimitBody: plain {"detail": …} 422s, not validation lists.
  int64_t lim = limit.value_or(default_limit);
  if (lim < 0) return core::Error::invalid("Invalid limit: must be greater than or equal to 0.");
  if (lim > default_limit) {
    return core::Error::invalid("Invalid limit: must be less than or equal to " + std::to_string(default_limit) + ".");
  }
  Pagination p{lim, offset.value_or(0), page.value_or(1)};
  if (page) p.offset = (*page - 1) * lim;
  return p;
}

ListQuery root_query(FilterRoot root) {
  return {[root](const json::object& body) { return compile_filter_body(body, root); },
          [root](const json::value* sort) { return compile_sort(sort, root); }};
}

core::Result<ListRequest> parse_list_request(const Request& request, const ListQuery& query, int default_limit) {
  auto body = parse_object_body(request);
  if (!body) return body.error();
  auto page = read_pagination(*body, default_limit);
  if (!page) return page.error();
  auto where = query.where(*body);
  if (!where) return where.error();
  auto order = query.order_by(body->if_contains("sort"));
  if (!order) return order.error();
  return ListRequest{std::move(*body), std::move(*where), std::move(*order), *page};
}

core::Result<ListRequest> parse_list_request(const Request& request, FilterRoot root, int default_limit) {
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

core::Result<store::SqlCondition> parse_count_request(const Request& request, FilterRoot root) {
  return parse_count_request(request, root_query(root));
}

}  // namespace praetor::api
