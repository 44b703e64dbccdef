// Where the two UIs live in the URL space, as Prefect 3.9.1 derives it from
// PREFECT_UI_SERVE_BASE (server/api/server.py): V1 at the base, V2 at <base>/v2, unless the
// base itself ends in /v2 (then V1 is its parent). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace praetor::ui {

// "" → "/", a leading '/' added, trailing '/'s dropped (except for "/").
std::string normalize_base_url(std::string_view base_url);
// base + "/" + suffix without doubled slashes ("/" + "ui-settings" → "/ui-settings").
std::string join_ui_path(std::string_view base_url, std::string_view suffix);

struct UiBaseUrls {
  std::string v1, v2;
};
UiBaseUrls resolve_base_urls(std::string_view serve_base);

// Whether `path` is `base_url` or below it.
bool path_targets(std::string_view path, std::string_view base_url);
// `path` relative to `base_url` ("/v2/runs" under "/v2" → "/runs"; the base itself → "/").
std::string relative_path(std::string_view path, std::string_view base_url);
// The inverse of relative_path; a bare base keeps its trailing '/' ("/v2" + "/" → "/v2/").
std::string build_ui_path(std::string_view base_url, std::string_view relative);

}  // namespace praetor::ui
