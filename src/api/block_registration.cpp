#include "api/block_registration.h"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "api/block_support.h"
#include "core/block.h"
#include "core/uuid.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

void log_python_only_types() {
  spdlog::warn(
      "block types Webhook, Secret and LocalFileSystem (protected) and the prefect SDK's other Block classes were "
      "not installed: Prefect derives them from Python classes, which Praetor does not run; the SDK registers each "
      "block type and schema itself when a block is saved or `prefect block register` runs");
}

// The updatable fields of a type that exists (BlockTypeUpdate), or a new type.
void register_type(Connection& c, const json::object& type, const std::string& now) {
  const auto& model = core::block_type_model();
  std::string slug(type.at("slug").get_string());
  if (auto existing = rows::find(c, model, "slug", slug)) {
    for (const char* field : {"logo_url", "documentation_url", "description", "code_example"}) {
      if (const json::value* v = type.if_contains(field)) (*existing)[field] = *v;
    }
    (*existing)["updated"] = now;
    rows::replace(c, model, *existing);
    return;
  }
  json::object row{{"id", core::new_uuid4()}, {"created", now}, {"updated", now}, {"is_protected", false}};
  for (const auto& f : model.fields) {
    if (f.on_create) row[f.name] = type.if_contains(f.name) ? type.at(f.name) : json::value();
  }
  rows::insert(c, model, row);
}

}  // namespace

void register_collection_block_types(store::Database& db, const core::Clock& clock, const std::string& package_dir) {
  if (package_dir.empty()) {
    spdlog::warn(
        "the block types of Prefect's collections (prefect-aws, prefect-gcp, …: server/collection_blocks_data.json) "
        "were not registered: no prefect package was found");
    return;
  }
  std::string path = package_dir + "/server/collection_blocks_data.json";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value data = json::parse(text.str(), ec);
  const json::object* collections = nullptr;
  if (!ec && data.is_object()) {
    if (const auto* v = data.get_object().if_contains("collections")) collections = v->if_object();
  }
  if (!in || !collections) {
    spdlog::warn("the block types of Prefect's collections were not registered: {} is missing or not readable", path);
    return;
  }
  // Types first (schemas reference other collections' types), then schemas.
  std::vector<std::pair<std::string, json::object>> schemas;  // (slug, block_schema)
  int types = 0;
  std::vector<std::string> failed;
  for (const auto& collection : *collections) {
    const json::value* block_types = collection.value().is_object()
                                         ? collection.value().get_object().if_contains("block_types")
                                         : nullptr;
    if (!block_types || !block_types->is_object()) continue;
    for (const auto& entry : block_types->get_object()) {
      if (!entry.value().is_object()) continue;
      json::object type = entry.value().get_object();
      const json::value* slug = type.if_contains("slug");
      const json::value* schema = type.if_contains("block_schema");
      if (!slug || !slug->is_string() || !schema || !schema->is_object()) {
        failed.emplace_back(entry.key());
        continue;
      }
      auto now = core::format_timestamp(clock.now());
      auto written = db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
        register_type(c, type, now);
        return core::Ok{};
      });
      if (!written) {
        failed.emplace_back(slug->get_string());
        continue;
      }
      ++types;
      schemas.emplace_back(std::string(slug->get_string()), schema->get_object());
    }
  }
  int registered = 0;
  for (const auto& entry : schemas) {
    // Named references, not a structured binding: the lambda below captures them (clang 14,
    // the fuzz build's compiler, cannot capture structured bindings).
    const std::string& slug = entry.first;
    const json::object& schema = entry.second;
    auto now = core::format_timestamp(clock.now());
    auto written = db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      auto type = blocks::find_type(c, "slug", slug);
      if (!type) return core::Error::not_found("block type " + slug);
      json::object proposed{{"fields", schema.if_contains("fields") ? schema.at("fields") : json::object{}},
                            {"block_type_id", type->at("id")},
                            {"capabilities", schema.if_contains("capabilities") ? schema.at("capabilities") : json::array{}},
                            {"version", schema.if_contains("version") && schema.at("version").is_string()
                                            ? schema.at("version")
                                            : json::value(core::kDefaultBlockSchemaVersion)}};
      if (!proposed.at("fields").is_object()) return core::Error::bad_request("fields is not an object");
      if (!proposed.at("capabilities").is_array()) proposed["capabilities"] = json::array{};
      auto r = blocks::register_schema(c, proposed, now);
      if (!r) return r.error();
      return core::Ok{};
    });
    if (written) {
      ++registered;
    } else {
      failed.push_back(slug + " (schema: " + written.error().message + ")");
    }
  }
  spdlog::info("registered {} block types and {} block schemas of Prefect's collections from {}", types, registered,
               path);
  for (const auto& name : failed) spdlog::warn("collection block type not registered: {}", name);
}

core::Result<Response> install_system_block_types(ApiContext& ctx) {
  log_python_only_types();
  register_collection_block_types(ctx.db, ctx.clock, ctx.settings.prefect_package_dir);
  return json_response(200, nullptr);
}

}  // namespace praetor::api
