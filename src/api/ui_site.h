// Prefect's UI app (create_ui_app in prefect/server/api/server.py), mounted at / beside the
// API at /api: GET /ui-settings, HTML navigation redirected to the preferred UI (the
// prefect_ui_version cookie, else the default), each prepared bundle's files under its base
// URL with the single-page-app fallback to its index.html, and Prefect's 404/405 bodies.
// Transport-free: a file's answer names the file (Response::file) and server/ streams it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/router.h"
#include "config/settings.h"
#include "ui/ui_bundle.h"

namespace praetor::api {

class UiSite {
 public:
  // `mounted`: the bundles whose copies are ready (ui/ui_bundle.h), none when the UI is off.
  UiSite(const config::Settings& settings, std::vector<ui::UiBundle> mounted);

  // Answers a request for a path outside /api. Thread-safe.
  Response answer(const Request& request) const;

  // The /ui-settings document.
  boost::json::object settings_document() const;

 private:
  std::optional<Response> redirect_to_preferred(const Request& request, const std::string& path) const;
  Response serve_file(const Request& request, const std::string& path) const;
  const ui::UiBundle* mounted(ui::UiVersion version) const;
  ui::UiVersion default_ui() const;

  std::vector<ui::UiBundle> mounted_;
  std::string v1_base_, v2_base_, settings_path_;
  std::string api_url_;
  bool csrf_enabled_;
  bool auth_required_;
  ui::UiVersion configured_default_;
};

// Prepares the bundles the settings describe (when the UI is enabled and a prefect package
// was found), logs what is served or why not, and answers non-API paths with the UiSite.
void register_ui_site(Router& router, const config::Settings& settings);

// The media type of a file by its extension (Python's mimetypes as Starlette uses it; text
// types carry charset=utf-8).
std::string media_type_for(const std::string& filename);

}  // namespace praetor::api
