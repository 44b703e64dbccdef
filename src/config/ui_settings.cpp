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
  if (auto v = first_set(getenv, {"PREFECT_SERVER_UI_SERVE_BASE", "PREFECT_UI_SERVE_BASE"})) ui.serve_base = v->second;
  if (auto v = first_set(getenv, {"PREFECT_SERVER_UI_STATIC_DIRECTORY", "PREFECT_UI_STATIC_DIRECTORY"})) {
    ui.static_directory = v->second;
  }
  return ui;
}

}  // namespace praetor::config
