// JSON text exactly as Python's json.dumps writes it with its defaults (ensure_ascii,
// ", " and ": " separators, floats as repr()), optionally with sorted keys. Prefect hashes
// such text (utilities/hashing.py), so a checksum computed here matches the client's.
#pragma once

#include <string>

#include <boost/json.hpp>

namespace praetor::core {

std::string python_json_dumps(const boost::json::value& value, bool sort_keys);

}  // namespace praetor::core
