// /api/block_types routes (Prefect's api/block_types.py): the CRUD and filter routes on the
// route kit, the documents of a type by slug, and install_system_block_types.
#include <spdlog/spdlog.h>

#include "api/block_registration.h"
#include "api/block_support.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/block.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

// html.escape(text, quote=False), as Prefect stores a created type's description and code example.
std::string html_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += ch;
    }
  }
  return out;
}

core::Result<core::Ok> prepare_type(json::object& proposed) {
  std::string name(proposed.at("name").get_string());
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.rfind("prefect", 0) == 0) {
    return core::Error::forbidden("Block type names beginning with 'Prefect' are reserved.");
  }
  for (const char* field : {"description", "code_example"}) {
    if (auto* v = proposed.if_contains(field); v && v->is_string()) *v = html_escape(v->get_string());
  }
  return core::Ok{};
}

// DELETE /block_types/{id}: a protected type is refused; its schemas and documents go with it.
core::Result<Response> delete_type(ApiContext& ctx, const std::string& id) {
  auto removed = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto type = blocks::find_type(c, "id", id);
    if (!type) return core::Error::not_found("Block type not found");
    if (type->at("is_protected").as_bool()) return core::Error::forbidden("protected block types cannot be deleted.");
    store::SqlCondition of_type{"block_document.block_type_id = ?", {id}};
    for (const auto& doc : rows::list(c, core::block_document_model(), of_type, "", 1000000, 0)) {
      blocks::delete_document(c, doc.at("id").get_string());
    }
    c.prepare("DELETE FROM block_schema WHERE block_type_id = ?1").bind(1, std::string_view(id)).run();
    rows::erase(c, core::block_type_model(), id);
    return core::Ok{};
  });
  if (!removed) return removed.error();
  return no_content();
}

// GET /block_types/slug/{slug}/block_documents: the type's named (non-anonymous) documents.
core::Result<Response> documents_of_type(ApiContext& ctx, const Request& req, const std::string& slug) {
  auto include_secrets = blocks::include_secrets_param(req);
  if (!include_secrets) return include_secrets.error();
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    auto type = blocks::find_type(c, "slug", slug);
    if (!type) return core::Error::not_found("Block type not found");
    store::SqlCondition where{"block_document.block_type_id = ? AND block_document.is_anonymous = 0",
                              {std::string(type->at("id").get_string())}};
    json::array docs;
    for (const auto& row : rows::list(c, core::block_document_model(), where, "ORDER BY block_document.name ASC",
                                      1000000, 0)) {
      auto doc = blocks::document_json(c, *ctx.block_cipher, row.get_object(), *include_secrets);
      if (!doc) return doc.error();
      docs.emplace_back(std::move(*doc));
    }
    return docs;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

// GET /block_types/slug/{slug}/block_documents/name/{name}: anonymous documents included.
core::Result<Response> document_by_name(ApiContext& ctx, const Request& req, const std::string& slug,
                                        const std::string& name) {
  auto include_secrets = blocks::include_secrets_param(req);
  if (!include_secrets) return include_secrets.error();
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    store::SqlCondition where{
        "block_document.name = ? AND block_document.block_type_id IN (SELECT id FROM block_type WHERE slug = ?)",
        {name, slug}};
    auto found = rows::list(c, core::block_document_model(), where, "ORDER BY block_document.name ASC", 1, 0);
    if (found.empty()) return core::Error::not_found("Block document not found");
    return blocks::document_json(c, *ctx.block_cipher, found[0].get_object(), *include_secrets);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

}  // namespace

void register_block_type_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  add_resource_routes(
      router, ctx,
      {.model = &core::block_type_model(),
       .base = "/api/block_types",
       .ops = op::kCreate | op::kRead | op::kReadByName | op::kUpdate | op::kFilter,
       .not_found = "Block type not found",
       .conflict =
           [](const json::object& t) {
             return "Block type with name \"" + std::string(t.at("name").get_string()) + "\" already exists";
           },
       .name_field = "slug",
       .name_path = "/api/block_types/slug/{name}",
       .relations = {{.column = "id",
                      .table = "block_schema",
                      .keys = {"block_schemas"},
                      .model = &core::block_schema_model(),
                      .related_column = "block_type_id"}},
       .prepare_create = prepare_type});
  ApiContext* c = &ctx;
  router.add("DELETE", "/api/block_types/{id:uuid}",
             [c](const Request&, const PathParams& p) { return delete_type(*c, p.at("id")); });
  router.add("GET", "/api/block_types/slug/{slug}/block_documents",
             [c](const Request& req, const PathParams& p) { return documents_of_type(*c, req, p.at("slug")); });
  router.add("GET", "/api/block_types/slug/{slug}/block_documents/name/{name}",
             [c](const Request& req, const PathParams& p) {
               return document_by_name(*c, req, p.at("slug"), p.at("name"));
             });
  router.add("POST", "/api/block_types/install_system_block_types", [c](const Request&, const PathParams&) {
    return install_system_block_types(*c);
  });
}

}  // namespace praetor::api
