// /api/block_schemas routes and /api/block_capabilities/ (Prefect's api/block_schemas.py and
// api/block_capabilities.py): rows on the kit's model table and filter, each schema answered
// with its block type.
#include <set>

#include "api/block_support.h"
#include "api/model_filter.h"
#include "api/routes.h"
#include "core/block.h"
#include "core/json_util.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

core::Result<Response> create_schema(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto proposed = core::read_create(core::block_schema_model(), *body);
  if (!proposed) return proposed.error();
  auto now = core::format_timestamp(ctx.clock.now());
  struct Created {
    json::object schema;
    bool created;
  };
  auto written = ctx.db.write<Created>([&](Connection& c) -> core::Result<Created> {
    std::string type_id(proposed->at("block_type_id").get_string());
    if (!blocks::find_type(c, "id", type_id)) return core::Error::not_found("Block type " + type_id + " not found.");
    auto registered = blocks::register_schema(c, *proposed, now);
    if (!registered) return registered.error();
    return Created{blocks::schema_json(c, registered->row), registered->created};
  });
  if (!written) return written.error();
  return json_response(written->created ? 201 : 200, written->schema);
}

core::Result<Response> read_schema(ApiContext& ctx, const std::string& id) {
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto row = blocks::find_schema(c, id);
    if (!row) return core::Error::not_found("Block schema not found");
    return blocks::schema_json(c, *row);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> read_by_checksum(ApiContext& ctx, const Request& req, const std::string& checksum) {
  auto version = req.query_param("version");
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto row = blocks::find_schema_by_checksum(c, checksum, version);
    if (!row) return core::Error::not_found("Block schema not found");
    return blocks::schema_json(c, *row);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> delete_schema(ApiContext& ctx, const std::string& id) {
  auto removed = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto row = blocks::find_schema(c, id);
    if (!row) return core::Error::not_found("Block schema not found");
    auto type = blocks::find_type(c, "id", row->at("block_type_id").get_string());
    if (type && type->at("is_protected").as_bool()) {
      return core::Error::forbidden("Block schemas for protected block types cannot be deleted.");
    }
    // The documents of the schema go with it, as Prefect's foreign key cascades.
    store::SqlCondition of_schema{"block_document.block_schema_id = ?", {id}};
    for (const auto& doc : rows::list(c, core::block_document_model(), of_schema, "", 1000000, 0)) {
      blocks::delete_document(c, doc.at("id").get_string());
    }
    rows::erase(c, core::block_schema_model(), id);
    return core::Ok{};
  });
  if (!removed) return removed.error();
  return no_content();
}

// POST /block_schemas/filter: newest first; Prefect's body has no sort.
core::Result<Response> filter_schemas(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto page = read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto where = compile_model_filter(core::block_schema_model(), *body);
  if (!where) return where.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    json::array schemas;
    for (const auto& row : rows::list(c, core::block_schema_model(), *where, "ORDER BY block_schema.created DESC",
                                      page->limit, page->offset)) {
      schemas.emplace_back(blocks::schema_json(c, row.get_object()));
    }
    return schemas;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// GET /block_capabilities/: every capability of any schema, once.
core::Result<Response> capabilities(ApiContext& ctx) {
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    std::set<std::string> seen;
    for (const auto& row : rows::list(c, core::block_schema_model(), store::SqlCondition{}, "", 1000000, 0)) {
      for (const auto& cap : row.at("capabilities").get_array()) {
        if (cap.is_string()) seen.insert(std::string(cap.get_string()));
      }
    }
    json::array list;
    for (const auto& cap : seen) list.emplace_back(cap);
    return list;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace

void register_block_schema_routes(Router& router, ApiContext& ctx) {
  ApiContext* c = &ctx;
  router.add("POST", "/api/block_schemas/", [c](const Request& req, const PathParams&) { return create_schema(*c, req); });
  router.add("GET", "/api/block_schemas/{id:uuid}",
             [c](const Request&, const PathParams& p) { return read_schema(*c, p.at("id")); });
  router.add("DELETE", "/api/block_schemas/{id:uuid}",
             [c](const Request&, const PathParams& p) { return delete_schema(*c, p.at("id")); });
  router.add("POST", "/api/block_schemas/filter",
             [c](const Request& req, const PathParams&) { return filter_schemas(*c, req); });
  router.add("GET", "/api/block_schemas/checksum/{checksum}",
             [c](const Request& req, const PathParams& p) { return read_by_checksum(*c, req, p.at("checksum")); });
  router.add("GET", "/api/block_capabilities/", [c](const Request&, const PathParams&) { return capabilities(*c); });
}

}  // namespace praetor::api
