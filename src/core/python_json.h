// JSON text exactly as Python's json.dumps writes it with its defaults (ensure_ascii,
// ", " and ": " separators, floats as repr()), optionally with sorted keys. Prefect hashes
// such text (utilities/hashing.py), so a checksum computed here matches the client's.
#pragma once

#include <string>

#include <boost/json.hpp>

namespace praetor::core {

std::string python_json_dumps(const boost::json::value& value, bool sort_keys);

// Python's repr(float): the shortest round-tripping digits, scientific when the decimal
// exponent is below -4 or at least 16, and ".0" on integral values (NaN and the infinities
// as json.dumps writes them).
std::string python_float_repr(double d);

}  // namespace praetor::core
