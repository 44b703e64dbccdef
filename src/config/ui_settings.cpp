#include "config/ui_settings.h"

#include <initializer_list>

namespace praetor::config {
namespace {

core::Status read_bool(const Getenv& getenv, std::initializer_list<const char*> names, bool& out) {
  auto v = first_set(getenv, names);
  if (!v) return core::Ok{};
  auto b = parse_pydantic_bool(v->second);
  if (!b) return core::Error::invalid(v->first + "=" + v->second + " is not a boolean");
  out = *b;
  return core::Ok{};
}

}  // namespace

core::Result<UiSettings> load_ui_settings(const Getenv& getenv) {
  UiSettings ui;
  if (auto st = read_bool(getenv, {"PREFECT_SERVER_UI_ENABLED", "PREFECT_UI_ENABLED"}, ui.enabled); !st) {
    return st.error();
  }
  if (auto st = read_bool(getenv, {"PREFECT_SERVER_UI_V2_ENABLED"}, ui.v2_default); !st) return st.error();
  // Prefect's Settings validator: the UI's API URL defaults to PREFECT_API_URL.
  if (auto v = first_set(getenv, {"PREFECT_SERVER_UI_API_URL", "PREFECT_UI_API_URL", "PREFECT_API_URL"});
      v && !v->second.empty()) {
    ui.api_url = v->second;
  }
  // Prefect's default_ui_url: the API URL without a trailing "/api" (and "/api/" as "/").
  if (auto v = first_set(getenv, {"PREFECT_UI_URL"}); v && !v->second.empty()) {
    ui.links_url = v->second;
  } else if (auto api = first_set(getenv, {"PREFECT_API_URL"}); api && !api->second.empty()) {
    std::string url = api->second;
    if (url.ends_with("/api")) url.resize(url.size() - 4);
    for (std::size_t at; (at = url.find("/api/")) != std::string::npos;) url.replace(at, 5, "/");
    ui.links_url = url;
  }
  if (auto v = first_set(getenv, {"PREFECT_SERVER_UI_SERVE_BASE", "PREFECT_UI_SERVE_BASE"})) ui.serve_base = v->second;
  if (auto v = first_set(getenv, {"PREFECT_SERVER_UI_STATIC_DIRECTORY", "PREFECT_UI_STATIC_DIRECTORY"})) {
    ui.static_directory = v->second;
  }
  return ui;
}

}  // namespace praetor::config
