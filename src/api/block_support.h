// What the block routes (block_types.cpp, block_schemas.cpp, block_documents.cpp) share:
// rows of the block tables read back as Prefect answers them (a schema with its block type,
// a document decrypted, its secrets obfuscated and its referenced documents nested), and
// block schema registration with the nested schemas it references. Functions take the
// Connection of a Database::read/write call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.h"
#include "store/block_cipher.h"
#include "store/connection.h"

namespace praetor::api::blocks {

std::optional<boost::json::object> find_type(store::Connection& c, std::string_view column, std::string_view value);
// A schema row as BlockSchema: its fields and its block type.
boost::json::object schema_json(store::Connection& c, const boost::json::object& row);
std::optional<boost::json::object> find_schema(store::Connection& c, std::string_view id);
// The newest schema with this checksum (and version, when given).
std::optional<boost::json::object> find_schema_by_checksum(store::Connection& c, std::string_view checksum,
                                                           const std::optional<std::string>& version);

// Registers a schema unless one with its checksum and version exists (returned then, with
// created=false); nested block schemas named in fields.block_schema_references are
// registered first from fields.definitions. A referenced block type that does not exist is
// a 409 naming it, as Prefect's MissingBlockTypeException.
struct Registered {
  boost::json::object row;
  bool created;
};
core::Result<Registered> register_schema(store::Connection& c, const boost::json::object& proposed,
                                         const std::string& now);

// A document row as BlockDocument: data decrypted (an error naming the key source when it
// was sealed with another key), secrets obfuscated unless `include_secrets`, referenced
// documents nested in data and block_document_references.
core::Result<boost::json::object> document_json(store::Connection& c, const store::BlockCipher& cipher,
                                                const boost::json::object& row, bool include_secrets);
// The plaintext data object of a document row.
core::Result<boost::json::object> open_data(const store::BlockCipher& cipher, const boost::json::object& row);
// Prefect's obfuscated value of a secret.
inline constexpr std::string_view kObfuscated = "********";
// Replaces the values at the schema's secret_fields ("a.b", "a.*") by kObfuscated.
void obfuscate_secrets(boost::json::object& data, const boost::json::object& schema_fields);

// Deletes a document and the references from and to it.
void delete_document(store::Connection& c, std::string_view id);  // also clears it as default result storage

}  // namespace praetor::api::blocks

namespace praetor::api {
struct Request;
}
namespace praetor::api::blocks {
// The include_secrets query parameter, read as pydantic reads a bool (422 bool_parsing).
core::Result<bool> include_secrets_param(const Request& request);
}  // namespace praetor::api::blocks
