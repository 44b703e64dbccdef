#include "api/unserved_routes.h"

#include <fstream>
#include <sstream>

namespace praetor::api {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

PrefectRouteTemplates PrefectRouteTemplates::parse(std::string_view text) {
  PrefectRouteTemplates out;
  for (std::size_t at = text.find("\"/"); at != std::string_view::npos; at = text.find("\"/", at)) {
    auto end = text.find('"', at + 1);
    if (end == std::string_view::npos) break;
    std::string_view entry = text.substr(at + 1, end - at - 1);
    if (entry.find_first_of(" \n\\") == std::string_view::npos) out.templates_.emplace_back(entry);
    at = end + 1;
  }
  return out;
}

PrefectRouteTemplates PrefectRouteTemplates::load(const std::string& package_dir) {
  std::ifstream in(package_dir + "/client/orchestration/routes.py");
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

std::optional<std::string> PrefectRouteTemplates::match(std::string_view path) const {
  auto wanted = segments(path);
  std::optional<std::string> best;
  std::size_t best_wildcards = 0;
  for (const auto& t : templates_) {
    auto parts = segments(t);
    if (parts.size() != wanted.size()) continue;
    bool same = true;
    std::size_t wildcards = 0;
    for (std::size_t i = 0; same && i < parts.size(); ++i) {
      bool wildcard = parts[i].size() > 2 && parts[i].front() == '{' && parts[i].back() == '}';
      wildcards += wildcard ? 1 : 0;
      same = wildcard || parts[i] == wanted[i];
    }
    // The most literal template wins: "/automations/filter" over "/automations/{id}".
    if (same && (!best || wildcards < best_wildcards)) {
      best = t;
      best_wildcards = wildcards;
    }
  }
  return best;
}

}  // namespace praetor::api
