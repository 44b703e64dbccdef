// The models of Prefect's blocks (core/model.h): block types, block schemas and block
// documents, as Prefect's schemas/core.py and schemas/actions.py describe them.
#pragma once

#include "core/model.h"

namespace praetor::core {

// BlockType: name, slug, urls, description, code example; `is_protected` is set by the server.
const Model& block_type_model();
// BlockSchema: checksum, fields (the JSON schema), block_type_id, capabilities, version.
const Model& block_schema_model();
// BlockDocument as stored: its `data` column holds the sealed (encrypted) data text, never
// plaintext; the API's BlockDocumentCreate body is read with block_document_create_model().
const Model& block_document_model();
const Model& block_document_create_model();
// BlockDocumentUpdate: block_schema_id, data, merge_existing_data.
const Model& block_document_update_model();

// Prefect's DEFAULT_BLOCK_SCHEMA_VERSION.
inline constexpr std::string_view kDefaultBlockSchemaVersion = "non-versioned";

}  // namespace praetor::core
