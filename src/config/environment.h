// Reading Prefect settings from the environment: the lookup that tests replace, pydantic's
// booleans, and Prefect's alias order. Shared by every settings reader in config/.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace praetor::config {

// A variable's value, or nullopt when unset; tests pass a map-backed lookup.
using Getenv = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_getenv(const std::string& name);

// Prefect's (pydantic's) booleans: 1/0, true/false, t/f, yes/no, y/n, on/off, any case.
std::optional<bool> parse_pydantic_bool(std::string text);

// The first of `names` that is set (pydantic's AliasChoices order), with its name.
std::optional<std::pair<std::string, std::string>> first_set(const Getenv& getenv,
                                                              std::initializer_list<const char*> names);

}  // namespace praetor::config
