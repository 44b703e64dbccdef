// Prefect API routes this server does not serve, recognised by their templates so that a
// request for one is logged by name rather than answered with an anonymous 404. The
// templates come from the installed `prefect` package (the client's route list,
// client/orchestration/routes.py), so the list follows the package rather than going stale.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace praetor::api {

class PrefectRouteTemplates {
 public:
  // The quoted "/…" entries of a routes.py text, e.g. "/flow_runs/{id}/graph-v2".
  static PrefectRouteTemplates parse(std::string_view routes_py);
  // Reads <package_dir>/client/orchestration/routes.py; empty when it cannot be read.
  static PrefectRouteTemplates load(const std::string& package_dir);

  // The template `path` (under /api, e.g. "/automations/filter") matches, if any: segments
  // equal, a "{name}" segment matching any one segment (the most literal template wins); a
  // trailing slash is not significant.
  std::optional<std::string> match(std::string_view path) const;
  std::size_t size() const { return templates_.size(); }

 private:
  std::vector<std::string> templates_;
};

}  // namespace praetor::api
