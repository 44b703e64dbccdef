// GET/PUT/DELETE /api/admin/storage (Prefect's api/admin.py): the server's default result
// storage, a block document that clients without a result storage setting of their own write
// results to (prefect/results.py, `prefect result-storage`). Kept in the configuration table
// (store/configuration.h); cleared when its block document, schema or type is deleted.
#include "api/routes.h"
#include "core/json_util.h"
#include "store/configuration.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace configuration = store::configuration;

namespace {

json::object storage_json(const std::optional<std::string>& block_id) {
  return json::object{{"default_result_storage_block_id", block_id ? json::value(*block_id) : json::value(nullptr)}};
}

core::Result<Response> read_storage(ApiContext& ctx) {
  auto id = ctx.db.read<std::optional<std::string>>(
      [](Connection& c) -> core::Result<std::optional<std::string>> { return configuration::default_result_storage_block_id(c); });
  if (!id) return id.error();
  return json_response(200, storage_json(*id));
}

// The block's schema must have the "write-path" capability (a writable file system), as
// Prefect's validate_server_default_result_storage_block requires.
core::Result<core::Ok> check_storage_block(Connection& c, const std::string& id) {
  auto& st = c.prepare(
      "SELECT s.capabilities FROM block_document d LEFT JOIN block_schema s ON s.id = d.block_schema_id WHERE d.id = ?1");
  st.bind(1, id);
  if (!st.step()) {
    st.reset();
    return core::Error::not_found("Block document " + id + " not found.");
  }
  auto capabilities = st.column_optional_text(0);
  st.reset();
  boost::system::error_code ec;
  json::value list = capabilities ? json::parse(*capabilities, ec) : json::value();
  bool writable = false;
  if (const json::array* a = ec ? nullptr : list.if_array()) {
    for (const auto& cap : *a) writable = writable || cap == "write-path";
  }
  if (!writable) return core::Error::invalid("Block document " + id + " cannot be used for result storage.");
  return core::Ok{};
}

core::Result<Response> update_storage(ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return core::validation_error(json::array{"body"}, "missing", "Field required", nullptr);
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader reader(*body, json::array{"body"});
  auto block_id = reader.uuid("default_result_storage_block_id", true);
  if (!reader.ok()) return reader.error();
  auto now = ctx.clock.now();
  auto stored = ctx.db.write<std::optional<std::string>>([&](Connection& c) -> core::Result<std::optional<std::string>> {
    if (auto ok = check_storage_block(c, *block_id); !ok) return ok.error();
    configuration::write(c, configuration::kDefaultResultStorageKey, storage_json(*block_id), now);
    return configuration::default_result_storage_block_id(c);
  });
  if (!stored) return stored.error();
  return json_response(200, storage_json(*stored));
}

core::Result<Response> clear_storage(ApiContext& ctx) {
  auto cleared = ctx.db.write<core::Ok>([](Connection& c) -> core::Result<core::Ok> {
    configuration::remove(c, configuration::kDefaultResultStorageKey);
    return core::Ok{};
  });
  if (!cleared) return cleared.error();
  return no_content();
}

}  // namespace

void register_admin_storage_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/admin/storage", [&ctx](const Request&, const PathParams&) { return read_storage(ctx); });
  router.add("PUT", "/api/admin/storage", [&ctx](const Request& req, const PathParams&) { return update_storage(ctx, req); });
  router.add("DELETE", "/api/admin/storage", [&ctx](const Request&, const PathParams&) { return clear_storage(ctx); });
}

}  // namespace praetor::api
