// The import's steps for blocks (import_steps.h). Block types are matched by slug and
// schemas by checksum and version: Praetor registers the types and schemas of Prefect's
// collections itself, under ids of its own, so a document's type and schema ids are mapped
// to Praetor's rows of the same slug and checksum. A document's data, encrypted by Prefect
// with the Fernet key kept in its database (or PREFECT_SERVER_ENCRYPTION_KEY), is decrypted
// and sealed with Praetor's key (store/block_cipher.h), the document id as associated data.
#include <array>
#include <cstdlib>
#include <map>

#include "core/block.h"
#include "importer/fernet.h"
#include "importer/import_steps.h"
#include "importer/source_table.h"
#include "store/model_table.h"

namespace praetor::importer {

namespace json = boost::json;
using K = ColumnKind;

namespace {

constexpr size_t kBatch = 200;

std::optional<std::string> praetor_id_where(store::Connection& c, const std::string& sql, const std::string& a,
                                            const std::optional<std::string>& b = std::nullopt) {
  auto& st = c.prepare(sql);
  st.bind(1, a);
  if (b) st.bind(2, *b);
  std::optional<std::string> id;
  if (st.step()) id = st.column_text(0);
  st.reset();
  return id;
}

// Prefect's block type id → Praetor's, by slug (types not in Praetor's database are absent).
std::map<std::string, std::string> type_ids(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {{"id"}, {"slug"}};
  std::vector<std::pair<std::string, std::string>> prefect;
  auto cursor = source.select("block_type", kColumns, "");
  while (auto r = cursor->next()) prefect.emplace_back(r->text_or_empty("id"), r->text_or_empty("slug"));
  auto mapped = db.read<std::map<std::string, std::string>>([&](store::Connection& c)
                                                                 -> core::Result<std::map<std::string, std::string>> {
    std::map<std::string, std::string> out;
    for (const auto& [id, slug] : prefect) {
      if (auto ours = praetor_id_where(c, "SELECT id FROM block_type WHERE slug = ?1", slug)) out[id] = *ours;
    }
    return out;
  });
  return mapped ? *mapped : std::map<std::string, std::string>{};
}

// Prefect's block schema id → Praetor's, by checksum and version.
std::map<std::string, std::string> schema_ids(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {{"id"}, {"checksum"}, {"version"}};
  std::vector<std::array<std::string, 3>> prefect;
  auto cursor = source.select("block_schema", kColumns, "");
  while (auto r = cursor->next()) {
    prefect.push_back({r->text_or_empty("id"), r->text_or_empty("checksum"), r->text_or_empty("version")});
  }
  auto mapped = db.read<std::map<std::string, std::string>>([&](store::Connection& c)
                                                                 -> core::Result<std::map<std::string, std::string>> {
    std::map<std::string, std::string> out;
    for (const auto& [id, checksum, version] : prefect) {
      if (auto ours = praetor_id_where(c, "SELECT id FROM block_schema WHERE checksum = ?1 AND version = ?2", checksum,
                                       version)) {
        out[id] = *ours;
      }
    }
    return out;
  });
  return mapped ? *mapped : std::map<std::string, std::string>{};
}

// Prefect's Fernet key: the PREFECT_SERVER_ENCRYPTION_KEY its server reads first, else the
// one it generated into its configuration table.
std::optional<std::string> prefect_encryption_key(PrefectSource& source) {
  if (const char* env = std::getenv("PREFECT_SERVER_ENCRYPTION_KEY"); env && *env) return std::string(env);
  static const std::vector<SourceColumn> kColumns = {{"key"}, {"value", K::kJson}};
  auto cursor = source.select("configuration", kColumns, "");
  while (auto r = cursor->next()) {
    if (r->text_or_empty("key") != "ENCRYPTION_KEY") continue;
    json::object value = r->object("value");
    if (const auto* key = value.if_contains("fernet_key"); key && key->is_string()) return std::string(key->get_string());
  }
  return std::nullopt;
}

// Prefect stores a schema's fields without the references to nested block schemas (its
// block_schema_reference rows) and rebuilds `block_schema_references` and `definitions`
// on every read (models/block_schemas.py _construct_full_block_schema); Praetor keeps them
// in the fields. This rebuilds them as Prefect answers them.
class SchemaFields {
 public:
  explicit SchemaFields(PrefectSource& source) {
    static const std::vector<SourceColumn> kTypes = {{"id"}, {"slug"}};
    static const std::vector<SourceColumn> kSchemas = {{"id"}, {"checksum"}, {"fields", K::kJson}, {"block_type_id"}};
    static const std::vector<SourceColumn> kReferences = {{"name"}, {"parent_block_schema_id"},
                                                          {"reference_block_schema_id"}};
    auto types = source.select("block_type", kTypes, "");
    while (auto r = types->next()) slugs_[r->text_or_empty("id")] = r->text_or_empty("slug");
    auto schemas = source.select("block_schema", kSchemas, "");
    while (auto r = schemas->next()) {
      schemas_[r->text_or_empty("id")] = {r->text_or_empty("checksum"), r->object("fields"),
                                          r->text_or_empty("block_type_id")};
    }
    auto references = source.select("block_schema_reference", kReferences, "created, id");
    while (auto r = references->next()) {
      children_[r->text_or_empty("parent_block_schema_id")].emplace_back(r->text_or_empty("name"),
                                                                         r->text_or_empty("reference_block_schema_id"));
    }
  }

  json::object full(const std::string& id, int depth = 0) const {
    auto it = schemas_.find(id);
    if (it == schemas_.end()) return {};
    json::object fields = it->second.fields;
    json::object references;
    std::map<std::string, std::string> child_by_checksum;
    auto found = children_.find(id);
    if (found != children_.end()) {
      for (const auto& [name, child_id] : found->second) {
        auto child = schemas_.find(child_id);
        if (child == schemas_.end()) continue;
        auto slug = slugs_.find(child->second.block_type_id);
        json::value entry = json::object{{"block_schema_checksum", child->second.checksum},
                                         {"block_type_slug", slug == slugs_.end() ? "" : slug->second}};
        child_by_checksum.emplace(child->second.checksum, child_id);
        json::value* existing = references.if_contains(name);
        if (!existing) {
          references[name] = entry;
        } else if (existing->is_array()) {
          auto& list = existing->as_array();
          if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(entry);
        } else if (*existing != entry) {
          *existing = json::array{*existing, entry};
        }
      }
    }
    fields["block_schema_references"] = references;
    json::object definitions;
    if (depth < 32) {
      for (const auto& [name, value] : references) {
        json::array entries = value.is_array() ? value.as_array() : json::array{value};
        for (const auto& entry : entries) {
          auto child = child_by_checksum.find(std::string(entry.as_object().at("block_schema_checksum").as_string()));
          if (child == child_by_checksum.end()) continue;
          json::object child_fields = full(child->second, depth + 1);
          const json::value* title = child_fields.if_contains("title");
          if (!title || !title->is_string()) continue;
          json::value nested = child_fields.contains("definitions") ? child_fields["definitions"] : json::object{};
          child_fields.erase("definitions");
          definitions[title->as_string()] = std::move(child_fields);
          if (nested.is_object()) {
            for (const auto& [key, def] : nested.as_object()) definitions[key] = def;
          }
        }
      }
    }
    if (!definitions.empty() || fields.contains("definitions")) {
      json::object merged = fields.contains("definitions") && fields["definitions"].is_object()
                                ? fields["definitions"].as_object()
                                : json::object{};
      for (const auto& [key, def] : definitions) merged[key] = def;
      fields["definitions"] = std::move(merged);
    }
    return fields;
  }

 private:
  struct Schema {
    std::string checksum;
    json::object fields;
    std::string block_type_id;
  };
  std::map<std::string, std::string> slugs_;
  std::map<std::string, Schema> schemas_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> children_;
};

}  // namespace

core::Result<TableOutcome> import_block_types(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"slug"}, {"logo_url"},
      {"documentation_url"}, {"description"}, {"code_example"}, {"is_protected", K::kBool}};
  TableOutcome out = outcome_for(source, "block_type");
  std::vector<json::object> types;
  auto cursor = source.select("block_type", kColumns, "created, id");
  while (auto r = cursor->next()) {
    auto text = [&](const char* c) { return r->text(c) ? json::value(*r->text(c)) : json::value(nullptr); };
    types.push_back({{"id", r->text_or_empty("id")},
                     {"created", core::format_timestamp(r->time_or_epoch("created"))},
                     {"updated", core::format_timestamp(r->time_or_epoch("updated"))},
                     {"name", r->text_or_empty("name")},
                     {"slug", r->text_or_empty("slug")},
                     {"logo_url", text("logo_url")},
                     {"documentation_url", text("documentation_url")},
                     {"description", text("description")},
                     {"code_example", text("code_example")},
                     {"is_protected", r->flag("is_protected")}});
  }
  auto st = write_in_batches<json::object>(db, types, kBatch, out, [](store::Connection& c, const json::object& t) {
    std::string id(t.at("id").as_string()), slug(t.at("slug").as_string());
    // A type Praetor registered itself (Prefect's collections) is the same type.
    if (row_exists(c, "block_type", id) || praetor_id_where(c, "SELECT id FROM block_type WHERE slug = ?1", slug)) {
      return RowOutcome::already_there();
    }
    store::model_rows::insert(c, core::block_type_model(), t);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_block_schemas(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"checksum"}, {"fields", K::kJson},
      {"block_type_id"}, {"capabilities", K::kJson}, {"version"}};
  TableOutcome out = outcome_for(source, "block_schema");
  const auto types = type_ids(source, db);
  const SchemaFields full_fields(source);
  std::vector<json::object> schemas;
  auto cursor = source.select("block_schema", kColumns, "created, id");
  while (auto r = cursor->next()) {
    auto type = types.find(r->text_or_empty("block_type_id"));
    schemas.push_back({{"id", r->text_or_empty("id")},
                       {"created", core::format_timestamp(r->time_or_epoch("created"))},
                       {"updated", core::format_timestamp(r->time_or_epoch("updated"))},
                       {"checksum", r->text_or_empty("checksum")},
                       {"fields", full_fields.full(r->text_or_empty("id"))},
                       {"block_type_id", type == types.end() ? json::value(nullptr) : json::value(type->second)},
                       {"capabilities", r->json("capabilities")},
                       {"version", r->text("version").value_or("non-versioned")}});
  }
  auto st = write_in_batches<json::object>(db, schemas, kBatch, out, [](store::Connection& c, const json::object& s) {
    std::string id(s.at("id").as_string());
    if (row_exists(c, "block_schema", id) ||
        praetor_id_where(c, "SELECT id FROM block_schema WHERE checksum = ?1 AND version = ?2",
                         std::string(s.at("checksum").as_string()), std::string(s.at("version").as_string()))) {
      return RowOutcome::already_there();
    }
    if (s.at("block_type_id").is_null()) {
      return RowOutcome::not_copied("block schema " + id + ": its block type was not imported");
    }
    store::model_rows::insert(c, core::block_schema_model(), s);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

core::Result<TableOutcome> import_block_documents(PrefectSource& source, store::Database& db,
                                                  const store::BlockCipher* cipher) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"data", K::kJson}, {"block_schema_id"},
      {"block_type_id"}, {"is_anonymous", K::kBool}, {"block_type_name"}};
  TableOutcome out = outcome_for(source, "block_document");
  if (out.in_prefect == 0) return out;
  if (!cipher) return core::Error::internal("block documents need Praetor's block encryption key");
  auto key = prefect_encryption_key(source);
  const auto types = type_ids(source, db);
  const auto schemas = schema_ids(source, db);
  std::vector<json::object> documents;
  auto cursor = source.select("block_document", kColumns, "created, id");
  while (auto r = cursor->next()) {
    const std::string id = r->text_or_empty("id"), name = r->text_or_empty("name");
    auto type = types.find(r->text_or_empty("block_type_id"));
    auto schema = schemas.find(r->text_or_empty("block_schema_id"));
    if (type == types.end() || schema == schemas.end()) {
      out.not_copied.push_back("block document " + name + " (" + id + "): its block type or schema was not imported");
      continue;
    }
    if (!key) {
      out.not_copied.push_back("block document " + name + " (" + id +
                               "): Prefect's encryption key is neither in its database nor in "
                               "PREFECT_SERVER_ENCRYPTION_KEY");
      continue;
    }
    json::value token = r->json("data");  // a JSON string holding the token
    auto plain = fernet_decrypt(*key, token.is_string() ? std::string_view(token.get_string()) : std::string_view());
    if (!plain) {
      out.not_copied.push_back("block document " + name + " (" + id + "): " + plain.error().message);
      continue;
    }
    documents.push_back({{"id", id},
                         {"created", core::format_timestamp(r->time_or_epoch("created"))},
                         {"updated", core::format_timestamp(r->time_or_epoch("updated"))},
                         {"name", name},
                         {"data", cipher->seal(*plain, id)},
                         {"block_schema_id", schema->second},
                         {"block_type_id", type->second},
                         {"block_type_name", r->text("block_type_name") ? json::value(*r->text("block_type_name"))
                                                                         : json::value(nullptr)},
                         {"is_anonymous", r->flag("is_anonymous")}});
  }
  auto st = write_in_batches<json::object>(db, documents, kBatch, out, [](store::Connection& c, const json::object& d) {
    std::string id(d.at("id").as_string());
    if (row_exists(c, "block_document", id)) return RowOutcome::already_there();
    if (praetor_id_where(c, "SELECT id FROM block_document WHERE block_type_id = ?1 AND name = ?2",
                         std::string(d.at("block_type_id").as_string()), std::string(d.at("name").as_string()))) {
      return RowOutcome::not_copied("block document " + std::string(d.at("name").as_string()) + " (" + id +
                                    "): Praetor has a document of that name and type with another id");
    }
    store::model_rows::insert(c, core::block_document_model(), d);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

namespace {

struct Reference {
  std::string id;
  core::Timestamp created, updated;
  std::string name, parent_block_document_id, reference_block_document_id;
};

const SourceTable<Reference> kReferences{
    .table = "block_document_reference",
    .praetor_table = "block_document_reference",
    .columns = with_row_columns<Reference>(
        {column("name", &Reference::name), column("parent_block_document_id", &Reference::parent_block_document_id),
         column("reference_block_document_id", &Reference::reference_block_document_id)}),
    .write = [](store::Connection& c, const Reference& r) {
      if (!row_exists(c, "block_document", r.parent_block_document_id) ||
          !row_exists(c, "block_document", r.reference_block_document_id)) {
        return RowOutcome::not_copied("block document reference " + r.name + " (" + r.id +
                                      "): a document it links was not imported");
      }
      c.prepare("INSERT INTO block_document_reference (id, created, updated, name, parent_block_document_id, "
                "reference_block_document_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
          .bind(1, r.id)
          .bind(2, core::to_micros(r.created))
          .bind(3, core::to_micros(r.updated))
          .bind(4, r.name)
          .bind(5, r.parent_block_document_id)
          .bind(6, r.reference_block_document_id)
          .run();
      return RowOutcome::copied();
    },
    .order_by = "created, id",
    .batch = kBatch};

}  // namespace

core::Result<TableOutcome> import_block_document_references(PrefectSource& source, store::Database& db) {
  return import_table(source, db, kReferences);
}

}  // namespace praetor::importer
