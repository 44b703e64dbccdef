// /api/block_documents routes (Prefect's api/block_documents.py and models/block_documents.py).
// A document's data is sealed (store/block_cipher.h) before it is written, minus the
// references to other documents ({"$ref": {"block_document_id": …}} at a top-level key),
// which are kept as block_document_reference rows and nested back on read.
#include <set>

#include "api/block_support.h"
#include "api/model_filter.h"
#include "api/routes.h"
#include "core/block.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

const store::BlockCipher& cipher_of(ApiContext& ctx) { return *ctx.block_cipher; }

struct Reference {
  std::string name;
  std::string child_id;
};

// Splits references out of the data (Prefect's _separate_block_references_from_data).
core::Result<std::vector<Reference>> separate_references(json::object& data) {
  std::vector<Reference> refs;
  for (auto it = data.begin(); it != data.end();) {
    const json::object* value = it->value().if_object();
    const json::value* ref = value ? value->if_contains("$ref") : nullptr;
    if (!ref) {
      ++it;
      continue;
    }
    const json::value* id = ref->is_object() ? ref->get_object().if_contains("block_document_id") : nullptr;
    if (!id || id->is_null()) {
      return core::Error::bad_request("Received block reference without a block_document_id in key " +
                                      std::string(it->key()));
    }
    refs.push_back({std::string(it->key()), id->is_string() ? std::string(id->get_string()) : core::to_json_text(*id)});
    it = data.erase(it);
  }
  return refs;
}

// True when parent → child would close a cycle in the reference graph.
bool would_form_cycle(Connection& c, const std::string& parent, const std::string& child) {
  std::vector<std::string> stack{child};
  std::set<std::string> visited;
  while (!stack.empty()) {
    std::string current = stack.back();
    stack.pop_back();
    if (current == parent) return true;
    if (!visited.insert(current).second) continue;
    auto& st = c.prepare("SELECT reference_block_document_id FROM block_document_reference WHERE parent_block_document_id = ?1");
    st.bind(1, std::string_view(current));
    while (st.step()) stack.push_back(st.column_text(0));
  }
  return false;
}

core::Result<core::Ok> add_reference(Connection& c, const std::string& parent, const Reference& ref,
                                     const std::string& now) {
  if (would_form_cycle(c, parent, ref.child_id)) {
    return core::Error::bad_request(
        "Cannot create block document reference: it would introduce a cycle into the block_document_reference "
        "graph (parent=" + parent + ", reference=" + ref.child_id + ").");
  }
  auto& st = c.prepare(
      "INSERT INTO block_document_reference (id, created, updated, name, parent_block_document_id, "
      "reference_block_document_id) VALUES (?1, ?2, ?2, ?3, ?4, ?5)");
  st.bind(1, std::string_view(core::new_uuid4()))
      .bind(2, core::to_micros(*core::parse_timestamp(now)))
      .bind(3, std::string_view(ref.name))
      .bind(4, std::string_view(parent))
      .bind(5, std::string_view(ref.child_id))
      .run();
  return core::Ok{};
}

core::Result<Response> create_document(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  // validate_name_present_on_nonanonymous_blocks runs before the fields are read.
  if (const json::object* o = body->if_object()) {
    const json::value* anonymous = o->if_contains("is_anonymous");
    const json::value* name = o->if_contains("name");
    bool is_anonymous = anonymous && anonymous->is_bool() && anonymous->get_bool();
    bool has_name = name && !(name->is_null() || (name->is_string() && name->get_string().empty()));
    if (!is_anonymous && !has_name) {
      return core::invalid_request(json::array{json::object{{"type", "value_error"},
                                                            {"loc", json::array{"body"}},
                                                            {"msg", "Value error, Names must be provided for block documents."},
                                                            {"input", *body},
                                                            {"ctx", json::object{{"error", json::object{}}}}}});
    }
  }
  auto proposed = core::read_create(core::block_document_create_model(), *body);
  if (!proposed) return proposed.error();
  auto now = core::format_timestamp(ctx.clock.now());
  auto written = ctx.db.write<json::object>([&](Connection& c) -> core::Result<json::object> {
    std::string type_id(proposed->at("block_type_id").get_string());
    const json::value& name = proposed->at("name");
    if (name.is_string()) {
      store::SqlCondition same{"block_document.block_type_id = ? AND block_document.name = ?",
                               {type_id, std::string(name.get_string())}};
      if (rows::count(c, core::block_document_model(), same) > 0) return core::Error::conflict("Block already exists");
    }
    auto type = blocks::find_type(c, "id", type_id);
    if (!type) return core::Error::not_found("Block type " + type_id + " not found.");
    if (!blocks::find_schema(c, proposed->at("block_schema_id").get_string())) {
      return core::Error::not_found("Block schema " + std::string(proposed->at("block_schema_id").get_string()) +
                                    " not found.");
    }
    json::object data = proposed->at("data").get_object();
    auto refs = separate_references(data);
    if (!refs) return refs.error();
    std::string id = core::new_uuid4();
    bool anonymous = proposed->at("is_anonymous").get_bool();
    json::object row{{"id", id},
                     {"created", now},
                     {"updated", now},
                     {"name", name.is_string() ? name : json::value("anonymous-" + core::new_uuid4())},
                     {"data", cipher_of(ctx).seal(core::to_json_text(data), id)},
                     {"block_schema_id", proposed->at("block_schema_id")},
                     {"block_type_id", type_id},
                     {"block_type_name", type->at("name")},
                     {"is_anonymous", anonymous}};
    rows::insert(c, core::block_document_model(), row);
    for (const auto& ref : *refs) {
      if (!rows::find(c, core::block_document_model(), "id", ref.child_id)) {
        return core::Error::not_found("Block document " + ref.child_id + " not found.");
      }
      if (auto ok = add_reference(c, id, ref, now); !ok) return ok.error();
    }
    return blocks::document_json(c, cipher_of(ctx), row, false);
  });
  if (!written) return written.error();
  return json_response(201, *written);
}

std::vector<FilterRelation> document_relations() {
  return {{.column = "block_type_id", .table = "block_type", .keys = {"block_types"}, .model = &core::block_type_model()},
          {.column = "block_schema_id",
           .table = "block_schema",
           .keys = {"block_schemas"},
           .model = &core::block_schema_model()}};
}

core::Result<Response> filter_documents(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, model_query(core::block_document_model(), document_relations()),
                                ctx.settings.default_limit);
  if (!list) return list.error();
  bool include_secrets = false;
  if (const json::value* v = list->body.if_contains("include_secrets"); v && !v->is_null()) {
    if (!v->is_bool()) {
      return core::invalid_request(json::array{json::object{{"type", "bool_type"},
                                                            {"loc", json::array{"body", "include_secrets"}},
                                                            {"msg", "Input should be a valid boolean"},
                                                            {"input", *v}}});
    }
    include_secrets = v->get_bool();
  }
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    json::array docs;
    for (const auto& row :
         rows::list(c, core::block_document_model(), list->where, list->order_by, list->page.limit, list->page.offset)) {
      auto doc = blocks::document_json(c, cipher_of(ctx), row.get_object(), include_secrets);
      if (!doc) return doc.error();
      docs.emplace_back(std::move(*doc));
    }
    return docs;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> count_documents(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto where = compile_model_filter(core::block_document_model(), *body, document_relations());
  if (!where) return where.error();
  auto n = ctx.db.read<int64_t>(
      [&](Connection& c) -> core::Result<int64_t> { return rows::count(c, core::block_document_model(), *where); });
  if (!n) return n.error();
  return json_response(200, *n);
}

core::Result<Response> read_document(ApiContext& ctx, const Request& req, const std::string& id) {
  auto include_secrets = blocks::include_secrets_param(req);
  if (!include_secrets) return include_secrets.error();
  auto out = ctx.db.read<json::object>([&](Connection& c) -> core::Result<json::object> {
    auto row = rows::find(c, core::block_document_model(), "id", id);
    if (!row) return core::Error::not_found("Block document not found");
    return blocks::document_json(c, cipher_of(ctx), *row, *include_secrets);
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> delete_document(ApiContext& ctx, const std::string& id) {
  auto removed = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    if (!rows::find(c, core::block_document_model(), "id", id)) return core::Error::not_found("Block document not found");
    blocks::delete_document(c, id);
    return core::Ok{};
  });
  if (!removed) return removed.error();
  return no_content();
}

// A sent value equal to the obfuscated form of a stored secret keeps the stored secret
// (a client posting back what it read), as Prefect's update_block_document does.
void keep_unchanged_secrets(json::object& update, const json::object& current, const json::object& schema_fields) {
  json::object obfuscated = current;
  blocks::obfuscate_secrets(obfuscated, schema_fields);
  std::function<void(json::object&, const json::object&, const json::object&)> walk =
      [&](json::object& sent, const json::object& stored, const json::object& masked) {
        for (auto& kv : sent) {
          const json::value* s = stored.if_contains(kv.key());
          const json::value* m = masked.if_contains(kv.key());
          if (!s || !m) continue;
          if (kv.value().is_object() && s->is_object() && m->is_object()) {
            walk(kv.value().get_object(), s->get_object(), m->get_object());
          } else if (m->is_string() && m->get_string() == blocks::kObfuscated && kv.value() == *m && *s != *m) {
            kv.value() = *s;
          }
        }
      };
  walk(update, current, obfuscated);
}

core::Result<Response> update_document(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto update = core::read_update(core::block_document_update_model(), *body);
  if (!update) return update.error();
  bool merge = !update->contains("merge_existing_data") || update->at("merge_existing_data").get_bool();
  // Without merging, every field counts as sent (Prefect's exclude_unset=False): data {}.
  if (!merge && !update->contains("data")) (*update)["data"] = json::object{};
  auto now = core::format_timestamp(ctx.clock.now());
  auto written = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto row = rows::find(c, core::block_document_model(), "id", id);
    if (!row) return core::Error::not_found("Block document not found");
    const json::value* sent = update->if_contains("data");
    if (!sent || !sent->is_object()) return core::Ok{};
    auto current = blocks::open_data(cipher_of(ctx), *row);
    if (!current) return current.error();
    json::object data = sent->get_object();
    if (auto schema = blocks::find_schema(c, row->at("block_schema_id").get_string())) {
      keep_unchanged_secrets(data, *current, schema->at("fields").get_object());
    }
    if (merge) {
      json::object merged = *current;
      for (auto& kv : data) merged[kv.key()] = kv.value();
      data = std::move(merged);
    }
    auto refs = separate_references(data);
    if (!refs) return refs.error();
    (*row)["data"] = cipher_of(ctx).seal(core::to_json_text(data), id);
    (*row)["updated"] = now;
    if (const json::value* schema_id = update->if_contains("block_schema_id");
        schema_id && schema_id->is_string() && *schema_id != row->at("block_schema_id")) {
      auto proposed = blocks::find_schema(c, schema_id->get_string());
      if (!proposed) return core::Error::not_found("Block schema " + std::string(schema_id->get_string()) + " not found.");
      if (proposed->at("block_type_id") != row->at("block_type_id")) {
        return core::Error::bad_request("Must migrate block document to a block schema of the same block type.");
      }
      (*row)["block_schema_id"] = *schema_id;
    }
    rows::replace(c, core::block_document_model(), *row);
    // References: keep the unchanged ones, add the new, drop the rest.
    std::vector<std::pair<std::string, std::string>> existing;  // (id, name + child)
    auto& st = c.prepare(
        "SELECT id, name, reference_block_document_id FROM block_document_reference WHERE parent_block_document_id = ?1");
    st.bind(1, std::string_view(id));
    while (st.step()) existing.emplace_back(st.column_text(0), st.column_text(1) + "\n" + st.column_text(2));
    std::set<std::string> kept;
    for (const auto& ref : *refs) {
      std::string key = ref.name + "\n" + ref.child_id;
      auto match = std::find_if(existing.begin(), existing.end(), [&](const auto& e) { return e.second == key; });
      if (match != existing.end()) {
        kept.insert(match->first);
        continue;
      }
      if (auto ok = add_reference(c, id, ref, now); !ok) return ok.error();
    }
    for (const auto& [ref_id, key] : existing) {
      if (kept.count(ref_id)) continue;
      c.prepare("DELETE FROM block_document_reference WHERE id = ?1").bind(1, std::string_view(ref_id)).run();
    }
    return core::Ok{};
  });
  if (!written) return written.error();
  return no_content();
}

}  // namespace

void register_block_document_routes(Router& router, ApiContext& ctx) {
  ApiContext* c = &ctx;
  // Every route needs the cipher; without one (a router built without a key) they answer
  // 503 naming it rather than touching sealed data.
  auto guarded = [c](auto handler) {
    return [c, handler](const Request& req, const PathParams& p) -> core::Result<Response> {
      if (!c->block_cipher) return core::Error::unavailable("no block encryption key is loaded");
      return handler(req, p);
    };
  };
  router.add("POST", "/api/block_documents/",
             guarded([c](const Request& req, const PathParams&) { return create_document(*c, req); }));
  router.add("POST", "/api/block_documents/filter",
             guarded([c](const Request& req, const PathParams&) { return filter_documents(*c, req); }));
  router.add("POST", "/api/block_documents/count",
             [c](const Request& req, const PathParams&) { return count_documents(*c, req); });
  router.add("GET", "/api/block_documents/{id:uuid}",
             guarded([c](const Request& req, const PathParams& p) { return read_document(*c, req, p.at("id")); }));
  router.add("DELETE", "/api/block_documents/{id:uuid}",
             [c](const Request&, const PathParams& p) { return delete_document(*c, p.at("id")); });
  router.add("PATCH", "/api/block_documents/{id:uuid}",
             guarded([c](const Request& req, const PathParams& p) { return update_document(*c, req, p.at("id")); }));
}

}  // namespace praetor::api
