#include "core/block.h"

#include "core/model_fields.h"

namespace praetor::core {

namespace {

namespace leaf = filter_leaf;

void check_block_type_name(const JsonField& field) { fields::check_name_pattern(field); }

// BlockTypeSlug: lowercase letters, digits and '-'.
void check_slug(const JsonField& field) { fields::check_lowercase_key(field, "Block type slug", false); }

// BlockDocumentName: a Name of lowercase letters, digits and '-'.
void check_document_name(const JsonField& field) {
  if (fields::check_name_pattern(field)) fields::check_lowercase_key(field, "Block document name", false);
}

Field optional_string(std::string_view name) { return {.name = name, .type = FieldType::kString}; }

}  // namespace

const Model& block_type_model() {
  static const Model kModel{
      .name = "BlockType",
      .table = "block_type",
      .filter_key = "block_types",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "name",
                  .type = FieldType::kString,
                  .on_update = false,
                  .required = true,
                  .filter = leaf::kLike,
                  .check = check_block_type_name},
                 {.name = "slug",
                  .type = FieldType::kString,
                  .on_update = false,
                  .required = true,
                  .filter = leaf::kAny,
                  .check = check_slug},
                 optional_string("logo_url"),
                 optional_string("documentation_url"),
                 optional_string("description"),
                 optional_string("code_example"),
                 {.name = "is_protected",
                  .type = FieldType::kBoolean,
                  .on_create = false,
                  .on_update = false,
                  .default_json = "false"}},
      .sorts = {{"NAME_ASC", "block_type.name ASC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

const Model& block_schema_model() {
  static const Model kModel{
      .name = "BlockSchema",
      .table = "block_schema",
      .filter_key = "block_schemas",
      .fields = {fields::id(),
                 fields::created(),
                 fields::updated(),
                 {.name = "checksum", .type = FieldType::kString, .on_create = false, .on_update = false},
                 {.name = "fields", .type = FieldType::kDict, .default_json = "{}"},
                 {.name = "block_type_id", .type = FieldType::kUuid, .required = true, .filter = leaf::kAny},
                 {.name = "capabilities",
                  .type = FieldType::kStringList,
                  .default_json = "[]",
                  .filter = leaf::kAll,
                  .filter_name = "block_capabilities"},
                 {.name = "version",
                  .type = FieldType::kString,
                  .default_json = "\"non-versioned\"",
                  .filter = leaf::kAny}},
      .sorts = {{"CREATED_DESC", "block_schema.created DESC"}},
      .default_sort = "CREATED_DESC",
  };
  return kModel;
}

const Model& block_document_model() {
  static const Model kModel{
      .name = "BlockDocument",
      .table = "block_document",
      .filter_key = "block_documents",
      .fields = {fields::id(),
                 fields::created(),
                 fields::updated(),
                 {.name = "name", .type = FieldType::kString, .filter = leaf::kAny | leaf::kLike},
                 {.name = "data", .type = FieldType::kString},  // sealed text (api/block_documents.cpp)
                 {.name = "block_schema_id", .type = FieldType::kUuid},
                 {.name = "block_type_id", .type = FieldType::kUuid, .filter = leaf::kAny},
                 {.name = "block_type_name", .type = FieldType::kString},
                 {.name = "is_anonymous",
                  .type = FieldType::kBoolean,
                  .default_json = "false",
                  .filter = leaf::kEq,
                  .filter_default = R"({"eq_": false})"}},
      .sorts = {{"NAME_DESC", "block_document.name DESC"},
                {"NAME_ASC", "block_document.name ASC"},
                {"BLOCK_TYPE_AND_NAME_ASC", "block_document.block_type_name ASC, block_document.name ASC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

const Model& block_document_create_model() {
  static const Model kModel{
      .name = "BlockDocumentCreate",
      .fields = {{.name = "name", .type = FieldType::kString, .check = check_document_name},
                 {.name = "data", .type = FieldType::kDict, .default_json = "{}"},
                 {.name = "block_schema_id", .type = FieldType::kUuid, .required = true},
                 {.name = "block_type_id", .type = FieldType::kUuid, .required = true},
                 {.name = "is_anonymous", .type = FieldType::kBoolean, .default_json = "false"}},
  };
  return kModel;
}

const Model& block_document_update_model() {
  static const Model kModel{
      .name = "BlockDocumentUpdate",
      .fields = {{.name = "block_schema_id", .type = FieldType::kUuid},
                 {.name = "data", .type = FieldType::kDict, .default_json = "{}"},
                 {.name = "merge_existing_data", .type = FieldType::kBoolean, .default_json = "true"}},
  };
  return kModel;
}

}  // namespace praetor::core
