#include "config/environment.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace praetor::config {

std::optional<std::string> process_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<bool> parse_pydantic_bool(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const char* t : {"1", "true", "t", "yes", "y", "on"}) {
    if (text == t) return true;
  }
  for (const char* f : {"0", "false", "f", "no", "n", "off"}) {
    if (text == f) return false;
  }
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> first_set(const Getenv& getenv,
                                                              std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto v = getenv(name)) return std::make_pair(std::string(name), *v);
  }
  return std::nullopt;
}

}  // namespace praetor::config
