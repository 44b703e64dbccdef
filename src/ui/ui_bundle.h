// The two built UIs of the prefect package and the copies Praetor serves. The package's
// files hold a placeholder where the base path goes (Prefect's create_ui_app rewrites it
// into a copy at start-up); Praetor does the same into a directory it owns (under
// PREFECT_HOME, or PREFECT_UI_STATIC_DIRECTORY), never into the package.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.h"
#include "core/result.h"

namespace praetor::ui {

enum class UiVersion { kV1, kV2 };
std::string_view version_name(UiVersion version);  // "v1", "v2"

struct UiBundle {
  UiVersion version = UiVersion::kV1;
  std::filesystem::path source;      // the package's build (…/prefect/server/ui or ui-v2)
  std::filesystem::path static_dir;  // the copy served, with base_url written in
  std::string base_url;              // where it is served ("/", "/v2", …)
};

// V1 and V2 as the settings place them: sources in <prefect_package_dir>/server/ui and
// ui-v2; copies in <static root>/v1 and /v2, where the static root is
// PREFECT_UI_STATIC_DIRECTORY or $PREFECT_HOME/ui_build (V1 in the root itself when the
// root holds a copy made that way, as Prefect allows). Requires a package directory.
std::vector<UiBundle> describe_bundles(const config::Settings& settings);

// Identifies what a copy was made from: the base URL and every source file's path, size
// and modification time. Kept in the copy's UI_SERVE_BASE file.
std::string cache_key(const UiBundle& bundle);

// Makes bundle.static_dir a copy of bundle.source with the placeholder replaced by the base
// path, unless the copy's UI_SERVE_BASE already holds cache_key(bundle). The copy is built
// beside the target and renamed into place under a lock file, so replicas sharing the
// directory and a crash mid-copy never leave a half-written bundle. Copies regular files
// only (no symlinks).
core::Status prepare_bundle(const UiBundle& bundle);

}  // namespace praetor::ui
