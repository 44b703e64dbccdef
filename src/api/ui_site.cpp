#include "api/ui_site.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "ui/ui_paths.h"

namespace praetor::api {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kVersionCookie = "prefect_ui_version";
// Vite names every file under assets/ by its content hash: it never changes under one name.
constexpr std::string_view kHashedAssetsDir = "assets/";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Response not_found() { return json_response(404, json::object{{"detail", "Not Found"}}); }
Response method_not_allowed() { return json_response(405, json::object{{"detail", "Method Not Allowed"}}); }

Response redirect(std::string location) {
  Response r;
  r.status = 307;
  r.content_type.clear();
  r.headers.emplace_back("location", std::move(location));
  return r;
}

// Prefect's _is_html_navigation: a GET/HEAD the browser marks as a navigation, or that accepts HTML.
bool is_html_navigation(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  auto mode = request.header("sec-fetch-mode");
  auto dest = request.header("sec-fetch-dest");
  if ((mode && *mode == "navigate") || (dest && (*dest == "document" || *dest == "iframe"))) return true;
  return lower(request.header("accept").value_or("")).find("text/html") != std::string::npos;
}

// FastAPI's frontend fallback test: an Accept entry text/html or application/xhtml+xml
// whose q is not 0.
bool accepts_html(const Request& request) {
  std::string accept = lower(request.header("accept").value_or(""));
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    std::string_view entry(accept.data() + start, (comma == std::string::npos ? accept.size() : comma) - start);
    start = comma == std::string::npos ? accept.size() + 1 : comma + 1;
    auto semi = entry.find(';');
    std::string_view type = trim(entry.substr(0, semi));
    if (type != "text/html" && type != "application/xhtml+xml") continue;
    bool zero = false;
    for (size_t p = semi; p != std::string_view::npos && p < entry.size(); p = entry.find(';', p + 1)) {
      auto param = trim(entry.substr(p + 1, entry.find(';', p + 1) - p - 1));
      if (param.substr(0, 2) == "q=") {
        try {
          zero = std::stod(std::string(param.substr(2))) == 0.0;
        } catch (const std::exception&) {
        }
      }
    }
    if (!zero) return true;
  }
  return false;
}

std::optional<std::string> cookie(const Request& request, std::string_view name) {
  auto header = request.header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view pair = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return std::string(trim(pair.substr(eq + 1)));
  }
  return std::nullopt;
}

std::optional<ui::UiVersion> parse_version(std::string_view name) {
  if (name == "v1") return ui::UiVersion::kV1;
  if (name == "v2") return ui::UiVersion::kV2;
  return std::nullopt;
}

// The path inside a bundle, resolved lexically: "." and empty segments dropped, ".." going up;
// nullopt when it would leave the bundle or holds a NUL.
std::optional<std::string> contained_path(std::string_view relative) {
  std::vector<std::string_view> kept;
  while (!relative.empty()) {
    auto slash = relative.find('/');
    std::string_view seg = relative.substr(0, slash);
    relative = slash == std::string_view::npos ? std::string_view() : relative.substr(slash + 1);
    if (seg.find('\0') != std::string_view::npos) return std::nullopt;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (kept.empty()) return std::nullopt;
      kept.pop_back();
      continue;
    }
    kept.push_back(seg);
  }
  std::string out;
  for (auto seg : kept) out += (out.empty() ? "" : "/") + std::string(seg);
  return out;
}

// A regular file that is not a symlink (the copies hold none; a planted one is not followed).
std::optional<struct stat> regular_file(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return st;
}

bool is_plain_directory(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Whether `relative` resolves, symlinks followed, to the bundle or below it (a symlinked
// directory planted in the copy does not lead out of it). A missing path is inside.
bool inside_bundle(const fs::path& root, const std::string& relative) {
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return false;
  const fs::path real = fs::weakly_canonical(root / relative, ec);
  if (ec) return false;
  auto [end, _] = std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  return end == real_root.end();
}

std::string http_date(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf.data();
}

// A file answer: ETag and Last-Modified from the file's size and mtime, 304 to a matching
// If-None-Match, and a cache policy by whether the name carries a content hash.
Response file_response(const Request& request, const fs::path& file, const struct stat& st, bool hashed_asset) {
  std::array<char, 64> tag{};
  std::snprintf(tag.data(), tag.size(), "\"%llx-%llx-%lx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
  std::string etag = tag.data();
  Response r;
  r.headers.emplace_back("etag", etag);
  r.headers.emplace_back("cache-control", hashed_asset ? kImmutable : kRevalidate);
  auto match = request.header("if-none-match");
  if (match && (match->find(etag) != std::string::npos || trim(*match) == "*")) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.headers.emplace_back("last-modified", http_date(st.st_mtim.tv_sec));
  r.content_type = media_type_for(file.filename().string());
  r.file = file.string();
  return r;
}

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

}  // namespace

std::string media_type_for(const std::string& filename) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"}, {".json", "application/json"},
      {".map", "application/json"}, {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
      {".gif", "image/gif"}, {".webp", "image/webp"},
      {".ico", "image/vnd.microsoft.icon"}, {".ttf", "font/ttf"},
      {".woff", "font/woff"}, {".woff2", "font/woff2"},
      {".xml", "application/xml"}, {".wasm", "application/wasm"},
  };
  std::string name = lower(filename);
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(name, ext)) return type;
  }
  return "application/octet-stream";
}

UiSite::UiSite(const config::Settings& settings, std::vector<ui::UiBundle> mounted)
    : mounted_(std::move(mounted)),
      csrf_enabled_(settings.csrf_protection_enabled),
      // Praetor requires the credentials whenever an auth string is set, even an empty one
      // (api/security.h), so the UI is told to ask for them in that case too.
      auth_required_(settings.auth_string.has_value()),
      configured_default_(settings.ui.v2_default ? ui::UiVersion::kV2 : ui::UiVersion::kV1) {
  auto urls = ui::resolve_base_urls(settings.ui.serve_base);
  v1_base_ = urls.v1;
  v2_base_ = urls.v2;
  settings_path_ = ui::join_ui_path(v1_base_, "ui-settings");
  api_url_ = settings.ui.api_url.value_or("http://" + host_for_url(settings.host) + ":" +
                                          std::to_string(settings.port) + "/api");
}

const ui::UiBundle* UiSite::mounted(ui::UiVersion version) const {
  for (const auto& b : mounted_) {
    if (b.version == version) return &b;
  }
  return nullptr;
}

ui::UiVersion UiSite::default_ui() const {
  if (mounted(configured_default_) || mounted_.empty()) return configured_default_;
  return mounted_.front().version;
}

json::object UiSite::settings_document() const {
  json::array available;
  for (auto v : {ui::UiVersion::kV1, ui::UiVersion::kV2}) {
    if (mounted(v)) available.emplace_back(ui::version_name(v));
  }
  auto base_or_null = [&](ui::UiVersion v, const std::string& base) {
    return mounted(v) ? json::value(base) : json::value(nullptr);
  };
  return json::object{{"api_url", api_url_},
                      {"csrf_enabled", csrf_enabled_},
                      {"auth", auth_required_ ? json::value("BASIC") : json::value(nullptr)},
                      {"flags", json::array{}},
                      {"default_ui", ui::version_name(default_ui())},
                      {"available_uis", std::move(available)},
                      {"v1_base_url", base_or_null(ui::UiVersion::kV1, v1_base_)},
                      {"v2_base_url", base_or_null(ui::UiVersion::kV2, v2_base_)}};
}

Response UiSite::answer(const Request& request) const {
  const std::string path = percent_decode(request.path);
  if (path == settings_path_) {
    if (request.method != "GET" && request.method != "HEAD") {
      Response r = method_not_allowed();
      r.headers.emplace_back("allow", "GET");
      return r;
    }
    return json_response(200, settings_document());
  }
  if (auto moved = redirect_to_preferred(request, path)) return std::move(*moved);
  return serve_file(request, path);
}

std::optional<Response> UiSite::redirect_to_preferred(const Request& request, const std::string& path) const {
  if (!is_html_navigation(request) || mounted_.empty() || ends_with(path, "/ui-settings")) return std::nullopt;
  ui::UiVersion requested;
  std::string relative;
  if (ui::path_targets(path, v2_base_)) {
    requested = ui::UiVersion::kV2;
    relative = ui::relative_path(path, v2_base_);
  } else if (ui::path_targets(path, v1_base_)) {
    requested = ui::UiVersion::kV1;
    relative = ui::relative_path(path, v1_base_);
  } else {
    return std::nullopt;
  }
  if (requested == ui::UiVersion::kV2 && mounted(ui::UiVersion::kV2)) return std::nullopt;
  if (requested == ui::UiVersion::kV1 && relative != "/") return std::nullopt;
  ui::UiVersion preferred = default_ui();
  if (auto chosen = cookie(request, kVersionCookie)) {
    if (auto v = parse_version(*chosen); v && mounted(*v)) preferred = *v;
  }
  if (preferred == requested) return std::nullopt;
  std::string location = ui::build_ui_path(mounted(preferred)->base_url, relative);
  if (!request.query.empty()) location += "?" + request.query;
  return redirect(std::move(location));
}

Response UiSite::serve_file(const Request& request, const std::string& path) const {
  // The most specific bundle whose base URL holds the path (V2's lies inside V1's).
  const ui::UiBundle* bundle = nullptr;
  for (const auto& b : mounted_) {
    if (!ui::path_targets(path, b.base_url)) continue;
    if (!bundle || (b.base_url != "/" && (bundle->base_url == "/" || b.base_url.size() > bundle->base_url.size()))) {
      bundle = &b;
    }
  }
  if (!bundle) return not_found();
  std::string_view inside(path);
  if (bundle->base_url == "/") {
    inside.remove_prefix(1);
  } else {
    inside.remove_prefix(std::min(inside.size(), bundle->base_url.size() + 1));
  }
  const bool read = request.method == "GET" || request.method == "HEAD";
  auto relative = contained_path(inside);
  if (relative && !inside_bundle(bundle->static_dir, *relative)) relative.reset();
  if (relative) {
    const fs::path full = relative->empty() ? bundle->static_dir : bundle->static_dir / *relative;
    if (auto st = regular_file(full)) {
      if (!read) return method_not_allowed();
      return file_response(request, full, *st, relative->rfind(kHashedAssetsDir, 0) == 0);
    }
    if (is_plain_directory(full)) {
      if (auto st = regular_file(full / "index.html")) {
        if (!read) return method_not_allowed();
        if (!ends_with(request.path, "/")) {
          // Starlette sends a directory to its slash form as an absolute URL.
          auto host = request.header("host");
          std::string location = (host ? "http://" + *host : std::string()) + request.path + "/";
          if (!request.query.empty()) location += "?" + request.query;
          return redirect(std::move(location));
        }
        return file_response(request, full / "index.html", *st, false);
      }
    }
  }
  if (!read) return not_found();
  if (accepts_html(request)) {
    const fs::path index = bundle->static_dir / "index.html";
    if (auto st = regular_file(index)) return file_response(request, index, *st, false);
  }
  return not_found();
}

void register_ui_site(Router& router, const config::Settings& settings) {
  std::vector<ui::UiBundle> mounted;
  if (!settings.ui.enabled) {
    spdlog::info("the web UI is off (PREFECT_UI_ENABLED is false)");
  } else if (settings.prefect_package_dir.empty()) {
    // The start-up warning about the missing package says how to get one.
    spdlog::info("the web UI is not served: no prefect package to take it from");
  } else {
    for (auto& bundle : ui::describe_bundles(settings)) {
      auto name = ui::version_name(bundle.version);
      if (auto st = ui::prepare_bundle(bundle); !st) {
        spdlog::warn("the {} UI is not served: {}", name, st.error().message);
        continue;
      }
      spdlog::info("serving the {} UI at {} (from {})", name, bundle.base_url, bundle.static_dir.string());
      mounted.push_back(std::move(bundle));
    }
  }
  auto site = std::make_shared<const UiSite>(settings, std::move(mounted));
  router.set_site([site](const Request& request) { return site->answer(request); });
}

}  // namespace praetor::api
