// Server configuration entries: one JSON document per key (Prefect's configuration table).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::configuration {

// The entry's document, or nullopt when the key is not set (or holds no valid JSON).
std::optional<boost::json::value> read(Connection& c, std::string_view key);
// Creates or replaces the entry.
void write(Connection& c, std::string_view key, const boost::json::value& value, core::Timestamp now);
// Returns whether there was an entry.
bool remove(Connection& c, std::string_view key);

// The server's default result storage (Prefect's models/storage_defaults.py): the block
// document id under "server-default-result-storage", or nullopt when none is set.
inline constexpr std::string_view kDefaultResultStorageKey = "server-default-result-storage";
std::optional<std::string> default_result_storage_block_id(Connection& c);
// Clears the default result storage when it names `block_document_id` (the document is being
// deleted, as Prefect clears it with the document, its schema or its type).
void forget_default_result_storage_block(Connection& c, std::string_view block_document_id);

}  // namespace praetor::store::configuration
