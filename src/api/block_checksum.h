// A block schema's checksum as Prefect's Block._calculate_schema_checksum computes it
// (blocks/core.py): "sha256:" + the hex SHA-256 of Python's json.dumps(((fields,), {}),
// sort_keys=True) after dropping every "secret_fields" key (in nested objects, not lists)
// and keeping, of "definitions", only those no block references (dropping the key when
// none is left). Equal checksums on both servers let the SDK find a registered schema.
#pragma once

#include <string>

#include <boost/json.hpp>

namespace praetor::api {

std::string block_schema_checksum(const boost::json::object& fields);

// The definitions (by key) that `object` references through "$ref": "#/definitions/<key>",
// directly or through other such definitions, whose definition has no "block_type_slug"
// (Prefect's _get_non_block_reference_definitions).
boost::json::object non_block_definitions(const boost::json::value& object, const boost::json::object& definitions);

}  // namespace praetor::api
