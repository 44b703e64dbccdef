#include "ui/ui_paths.h"

namespace praetor::ui {

namespace {
constexpr std::string_view kV2Segment = "/v2";
}  // namespace

std::string normalize_base_url(std::string_view base_url) {
  if (base_url.empty()) return "/";
  std::string out(base_url);
  if (out.front() != '/') out.insert(out.begin(), '/');
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string join_ui_path(std::string_view base_url, std::string_view suffix) {
  std::string base = normalize_base_url(base_url);
  while (!suffix.empty() && suffix.front() == '/') suffix.remove_prefix(1);
  std::string tail = "/" + std::string(suffix);
  return base == "/" ? tail : base + tail;
}

UiBaseUrls resolve_base_urls(std::string_view serve_base) {
  std::string base = normalize_base_url(serve_base);
  if (base == kV2Segment) return {"/", base};
  if (base.size() > kV2Segment.size() && std::string_view(base).substr(base.size() - kV2Segment.size()) == kV2Segment) {
    std::string v1 = base.substr(0, base.size() - kV2Segment.size());
    return {v1.empty() ? "/" : v1, base};
  }
  return {base, join_ui_path(base, "v2")};
}

bool path_targets(std::string_view path, std::string_view base_url) {
  if (base_url == "/") return !path.empty() && path.front() == '/';
  if (path == base_url) return true;
  return path.size() > base_url.size() && path.substr(0, base_url.size()) == base_url && path[base_url.size()] == '/';
}

std::string relative_path(std::string_view path, std::string_view base_url) {
  if (base_url == "/") return path.empty() ? "/" : std::string(path);
  if (path.substr(0, base_url.size()) == base_url) path.remove_prefix(base_url.size());
  return path.empty() ? "/" : std::string(path);
}

std::string build_ui_path(std::string_view base_url, std::string_view relative) {
  std::string base = normalize_base_url(base_url);
  std::string rel = !relative.empty() && relative.front() == '/' ? std::string(relative) : "/" + std::string(relative);
  if (base == "/") return rel;
  if (rel == "/") return base + "/";
  return base + rel;
}

}  // namespace praetor::ui
