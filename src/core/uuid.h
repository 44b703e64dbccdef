// UUIDs as Prefect uses them: lowercase hyphenated strings on the wire. Objects get uuid4,
// states and events uuid7 (time-ordered). Any version is accepted on input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace praetor::core {

// Canonical lowercase hyphenated form of `text`, or nullopt if it is not a UUID. Accepts
// upper case, braces, and the 32-hex-digit form, as pydantic's UUID type does.
std::optional<std::string> parse_uuid(std::string_view text);

// Thread-safe; random from a per-thread generator seeded by the OS.
std::string new_uuid4();
// Millisecond timestamp prefix and a per-process monotonic counter, so ids minted in one
// process sort in creation order.
std::string new_uuid7();

// Strong id types: the same representation, not interchangeable by accident.
template <class Tag>
struct Id {
  std::string value;
  friend bool operator==(const Id&, const Id&) = default;
  friend auto operator<=>(const Id&, const Id&) = default;
};

}  // namespace praetor::core
