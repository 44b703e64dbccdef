// The web UI's settings (Prefect's server.ui: PREFECT_SERVER_UI_<FIELD>, or the older
// PREFECT_UI_<FIELD> alias), read from the environment as load_settings reads the rest.
#pragma once

#include <optional>
#include <string>

#include "config/environment.h"
#include "core/result.h"

namespace praetor::config {

struct UiSettings {
  bool enabled = true;  // PREFECT_SERVER_UI_ENABLED / PREFECT_UI_ENABLED
  // PREFECT_SERVER_UI_V2_ENABLED: whether a browser with no saved choice gets V2 (else V1).
  bool v2_default = true;
  // PREFECT_SERVER_UI_API_URL / PREFECT_UI_API_URL, else PREFECT_API_URL; nullopt: the
  // server's own http://host:port/api.
  std::optional<std::string> api_url;
  // PREFECT_UI_URL, else PREFECT_API_URL without its "/api": where links into the UI point
  // (automation templates' ui_url filters); nullopt: no link (Prefect renders None).
  std::optional<std::string> links_url;
  std::string serve_base = "/";  // PREFECT_SERVER_UI_SERVE_BASE / PREFECT_UI_SERVE_BASE
  // PREFECT_SERVER_UI_STATIC_DIRECTORY / PREFECT_UI_STATIC_DIRECTORY: where the bundles are
  // copied with their base path written in; empty: $PREFECT_HOME/ui_build.
  std::string static_directory;
};

// An error names the variable whose value is not a boolean.
core::Result<UiSettings> load_ui_settings(const Getenv& getenv);

}  // namespace praetor::config
