#include <functional>

#include "api/block_support.h"

#include "api/block_checksum.h"
#include "core/block.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/configuration.h"
#include "store/model_table.h"

namespace praetor::api::blocks {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

constexpr int kMaxReferenceDepth = 50;  // Prefect's _BLOCK_DOCUMENT_REFERENCE_MAX_DEPTH

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

bool is_branch(const json::value& v) { return v.is_object() && !v.get_object().empty(); }

// Every leaf of Prefect's flattened dict under `v` (non-empty objects are branches).
void obfuscate_leaves(json::value& v) {
  if (!is_branch(v)) {
    v = kObfuscated;
    return;
  }
  for (auto& kv : v.get_object()) obfuscate_leaves(kv.value());
}

}  // namespace

void obfuscate_secrets(json::object& data, const json::object& schema_fields) {
  const json::value* secret_fields = schema_fields.if_contains("secret_fields");
  if (!secret_fields || !secret_fields->is_array()) return;
  for (const auto& entry : secret_fields->get_array()) {
    if (!entry.is_string()) continue;
    auto path = split_path(entry.get_string());
    auto wildcard = std::find(path.begin(), path.end(), "*");
    // Walk the branches to the path's end (or to its wildcard).
    json::object* node = &data;
    json::value* reached = nullptr;
    auto stop = wildcard == path.end() ? path.end() : wildcard;
    bool walked = true;
    for (auto it = path.begin(); it != stop; ++it) {
      reached = node ? node->if_contains(*it) : nullptr;
      if (!reached) {
        walked = false;
        break;
      }
      node = is_branch(*reached) ? &reached->get_object() : nullptr;
      if (!node && std::next(it) != stop) {
        walked = false;
        break;
      }
    }
    if (!walked) continue;
    if (wildcard == path.end()) {
      if (reached && !reached->is_null() && !is_branch(*reached)) *reached = kObfuscated;
    } else if (wildcard == path.begin()) {
      for (auto& kv : data) obfuscate_leaves(kv.value());
    } else if (reached) {
      obfuscate_leaves(*reached);
    }
  }
}

std::optional<json::object> find_type(Connection& c, std::string_view column, std::string_view value) {
  return rows::find(c, core::block_type_model(), column, value);
}

json::object schema_json(Connection& c, const json::object& row) {
  json::object out = core::to_response(core::block_schema_model(), row);
  json::value type = nullptr;
  if (auto t = find_type(c, "id", row.at("block_type_id").get_string())) {
    type = core::to_response(core::block_type_model(), *t);
  }
  // BlockSchema's field order: block_type follows block_type_id.
  json::object ordered;
  for (auto& kv : out) {
    ordered[kv.key()] = kv.value();
    if (kv.key() == "block_type_id") ordered["block_type"] = type;
  }
  return ordered;
}

std::optional<json::object> find_schema(Connection& c, std::string_view id) {
  return rows::find(c, core::block_schema_model(), "id", id);
}

std::optional<json::object> find_schema_by_checksum(Connection& c, std::string_view checksum,
                                                    const std::optional<std::string>& version) {
  store::SqlCondition where{"block_schema.checksum = ?", {std::string(checksum)}};
  if (version) {
    where.sql += " AND block_schema.version = ?";
    where.params.emplace_back(*version);
  }
  auto found = rows::list(c, core::block_schema_model(), where, "ORDER BY block_schema.created DESC", 1, 0);
  if (found.empty()) return std::nullopt;
  return found[0].get_object();
}

namespace {

// The definition a nested reference's schema is registered from: the one its property
// references, or among several (a union) the one of the referenced block type.
const json::value* child_definition(const json::object& fields, const json::object& definitions,
                                    std::string_view name, std::string_view slug) {
  const json::value* property = nullptr;
  if (const auto* props = fields.if_contains("properties"); props && props->is_object()) {
    property = props->get_object().if_contains(name);
  }
  if (!property) return nullptr;
  std::vector<std::string> refs;
  std::function<void(const json::value&)> collect = [&](const json::value& v) {
    if (const auto* o = v.if_object()) {
      if (const auto* r = o->if_contains("$ref"); r && r->is_string()) refs.emplace_back(r->get_string());
      for (const auto& kv : *o) collect(kv.value());
    } else if (const auto* a = v.if_array()) {
      for (const auto& item : *a) collect(item);
    }
  };
  collect(*property);
  auto key_of = [](std::string ref) {
    constexpr std::string_view kPrefix = "#/definitions/";
    if (auto pos = ref.find(kPrefix); pos != std::string::npos) ref.erase(pos, kPrefix.size());
    return ref;
  };
  if (refs.size() == 1) return definitions.if_contains(key_of(refs[0]));
  for (const auto& ref : refs) {
    const json::value* d = definitions.if_contains(key_of(ref));
    if (!d || !d->is_object()) continue;
    const json::value* s = d->get_object().if_contains("block_type_slug");
    if (s && s->is_string() && s->get_string() == slug) return d;
  }
  return nullptr;
}

core::Result<Registered> register_with(Connection& c, json::object proposed, const json::object* definitions,
                                       const std::string& now, int depth) {
  if (depth > kMaxReferenceDepth) return core::Error::bad_request("Block schema references nest too deeply.");
  json::object& fields = proposed["fields"].as_object();
  json::object for_checksum = fields;
  if (definitions) for_checksum["definitions"] = *definitions;
  std::string checksum = block_schema_checksum(for_checksum);
  std::optional<std::string> version;
  if (const auto* v = proposed.if_contains("version"); v && v->is_string()) version = std::string(v->get_string());
  if (auto existing = find_schema_by_checksum(c, checksum, version)) return Registered{std::move(*existing), false};

  json::object root_definitions;
  if (definitions) {
    root_definitions = *definitions;
  } else if (const auto* d = fields.if_contains("definitions"); d && d->is_object()) {
    root_definitions = d->get_object();
  }
  if (definitions) {
    // A nested schema keeps only the definitions it needs that are not blocks.
    json::object kept = non_block_definitions(fields, *definitions);
    if (kept.empty()) {
      fields.erase("definitions");
    } else {
      fields["definitions"] = std::move(kept);
    }
  }
  if (const auto* refs = fields.if_contains("block_schema_references"); refs && refs->is_object()) {
    for (const auto& [name, value] : refs->get_object()) {
      json::array entries = value.is_array() ? value.get_array() : json::array{value};
      for (const auto& entry : entries) {
        if (!entry.is_object()) continue;
        const json::value* slug = entry.get_object().if_contains("block_type_slug");
        const json::value* child_checksum = entry.get_object().if_contains("block_schema_checksum");
        std::string slug_text = slug && slug->is_string() ? std::string(slug->get_string()) : "";
        auto type = find_type(c, "slug", slug_text);
        if (!type) {
          return core::Error::conflict("Cannot create block schema because block type '" + slug_text +
                                       "' was not found.Did you forget to register the block type?");
        }
        if (child_checksum && child_checksum->is_string() &&
            find_schema_by_checksum(c, child_checksum->get_string(), std::nullopt)) {
          continue;
        }
        const json::value* child = child_definition(fields, root_definitions, name, slug_text);
        if (!child || !child->is_object()) {
          return core::Error::bad_request("Unable to create nested block schema for block type '" +
                                          std::string(type->at("name").get_string()) + "' due to missing definition.");
        }
        json::object nested{{"fields", *child},
                            {"block_type_id", type->at("id")},
                            {"capabilities", json::array{}},
                            {"version", core::kDefaultBlockSchemaVersion}};
        auto registered = register_with(c, std::move(nested), &root_definitions, now, depth + 1);
        if (!registered) return registered.error();
      }
    }
  }
  json::object row = std::move(proposed);
  row["id"] = core::new_uuid4();
  row["created"] = now;
  row["updated"] = now;
  row["checksum"] = checksum;
  if (!row.if_contains("version") || !row.at("version").is_string()) row["version"] = core::kDefaultBlockSchemaVersion;
  rows::insert(c, core::block_schema_model(), row);
  return Registered{std::move(row), true};
}

}  // namespace

core::Result<Registered> register_schema(Connection& c, const json::object& proposed, const std::string& now) {
  return register_with(c, proposed, nullptr, now, 0);
}

core::Result<json::object> open_data(const store::BlockCipher& cipher, const json::object& row) {
  auto plain = cipher.open(row.at("data").get_string(), row.at("id").get_string());
  if (!plain) return plain.error();
  json::value data = json::parse(*plain);
  if (!data.is_object()) return core::Error::internal("block document data is not an object");
  return std::move(data.get_object());
}

namespace {

struct Reference {
  std::string name;
  std::string child_id;
};

std::vector<Reference> references_of(Connection& c, std::string_view parent_id) {
  auto& st = c.prepare(
      "SELECT name, reference_block_document_id FROM block_document_reference WHERE parent_block_document_id = ?1 "
      "ORDER BY created, name");
  st.bind(1, parent_id);
  std::vector<Reference> out;
  while (st.step()) out.push_back({st.column_text(0), st.column_text(1)});
  return out;
}

struct Full {
  json::object data;
  json::object references;
};

core::Result<Full> full_data(Connection& c, const store::BlockCipher& cipher, const json::object& row,
                             bool include_secrets, int depth) {
  if (depth > kMaxReferenceDepth) {
    return core::Error::bad_request("Block document reference graph exceeds max depth " +
                                    std::to_string(kMaxReferenceDepth) + "; refusing to recurse further.");
  }
  auto data = open_data(cipher, row);
  if (!data) return data.error();
  if (!include_secrets) {
    if (auto schema = find_schema(c, row.at("block_schema_id").get_string())) {
      obfuscate_secrets(*data, schema->at("fields").get_object());
    }
  }
  Full out{std::move(*data), {}};
  for (const auto& ref : references_of(c, row.at("id").get_string())) {
    auto child = rows::find(c, core::block_document_model(), "id", ref.child_id);
    if (!child) continue;
    auto nested = full_data(c, cipher, *child, include_secrets, depth + 1);
    if (!nested) return nested.error();
    out.data[ref.name] = std::move(nested->data);
    json::value type = nullptr;
    if (auto t = find_type(c, "id", child->at("block_type_id").get_string())) {
      type = core::to_response(core::block_type_model(), *t);
    }
    out.references[ref.name] = json::object{{"block_document", json::object{{"id", child->at("id")},
                                                                             {"name", child->at("name")},
                                                                             {"block_type", type},
                                                                             {"is_anonymous", child->at("is_anonymous")},
                                                                             {"block_document_references",
                                                                              std::move(nested->references)}}}};
  }
  return out;
}

}  // namespace

core::Result<json::object> document_json(Connection& c, const store::BlockCipher& cipher, const json::object& row,
                                         bool include_secrets) {
  auto full = full_data(c, cipher, row, include_secrets, 0);
  if (!full) return full.error();
  json::value schema = nullptr;
  if (auto s = find_schema(c, row.at("block_schema_id").get_string())) schema = schema_json(c, *s);
  json::value type = nullptr;
  if (auto t = find_type(c, "id", row.at("block_type_id").get_string())) {
    type = core::to_response(core::block_type_model(), *t);
  }
  return json::object{{"id", row.at("id")},
                      {"created", row.at("created")},
                      {"updated", row.at("updated")},
                      {"name", row.at("name")},
                      {"data", std::move(full->data)},
                      {"block_schema_id", row.at("block_schema_id")},
                      {"block_schema", std::move(schema)},
                      {"block_type_id", row.at("block_type_id")},
                      {"block_type_name", row.at("block_type_name")},
                      {"block_type", std::move(type)},
                      {"block_document_references", std::move(full->references)},
                      {"is_anonymous", row.at("is_anonymous")}};
}

void delete_document(Connection& c, std::string_view id) {
  auto& refs = c.prepare(
      "DELETE FROM block_document_reference WHERE parent_block_document_id = ?1 OR reference_block_document_id = ?1");
  refs.bind(1, id).run();
  auto& doc = c.prepare("DELETE FROM block_document WHERE id = ?1");
  doc.bind(1, id).run();
  store::configuration::forget_default_result_storage_block(c, id);
}

}  // namespace praetor::api::blocks

#include "api/http.h"

namespace praetor::api::blocks {

core::Result<bool> include_secrets_param(const Request& request) {
  auto v = request.query_param("include_secrets");
  if (!v) return false;
  std::string lower;
  for (char ch : *v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* t : {"true", "1", "yes", "on", "t", "y"}) {
    if (lower == t) return true;
  }
  for (const char* f : {"false", "0", "no", "off", "f", "n"}) {
    if (lower == f) return false;
  }
  return core::invalid_request(json::array{json::object{{"type", "bool_parsing"},
                                                        {"loc", json::array{"query", "include_secrets"}},
                                                        {"msg", "Input should be a valid boolean, unable to interpret input"},
                                                        {"input", *v}}});
}

}  // namespace praetor::api::blocks
