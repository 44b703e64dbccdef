// Prefect's name types (prefect/types/names.py) for the objects clients name: `Name` (flows,
// work queues, concurrency limits) is at least one character with none of / % & > <, the
// characters that would break its by-name URLs; `NonEmptyishName` (work pools) must also
// not be only spaces and quotes.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace praetor::api {

inline constexpr const char* kNamePattern = "^[^/%&><]+$";

inline bool is_prefect_name(std::string_view name) {
  return !name.empty() && name.find_first_of("/%&><") == std::string_view::npos;
}

inline bool is_emptyish(std::string_view name) {
  return name.find_first_not_of("' \"") == std::string_view::npos;
}

// The 422 entry pydantic gives a `Name` that does not match, at body.<key>.
inline boost::json::object name_pattern_error(std::string_view key, const std::string& input) {
  return boost::json::object{{"type", "string_pattern_mismatch"},
                             {"loc", boost::json::array{"body", key}},
                             {"msg", std::string("String should match pattern '") + kNamePattern + "'"},
                             {"input", input},
                             {"ctx", boost::json::object{{"pattern", kNamePattern}}}};
}

}  // namespace praetor::api
