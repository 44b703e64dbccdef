#include "api/ui_site.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace praetor::api {
namespace {

namespace fs = std::filesystem;

struct Site {
  fs::path dir;
  config::Settings settings;
  std::unique_ptr<UiSite> site;

  explicit Site(bool with_v2 = true, std::string serve_base = "/") {
    dir = fs::temp_directory_path() / ("praetor-ui-site-" + std::to_string(std::random_device{}()));
    write("v1/index.html", "<v1>");
    write("v1/assets/app-AbC123.js", "v1 js");
    write("v1/robots.txt", "robots");
    write("v2/index.html", "<v2>");
    write("v2/assets/app-Zz9.css", "v2 css");
    write("v2/fonts/index.html", "fonts index");
    write("secret.txt", "outside the bundles");
    settings.host = "127.0.0.1";
    settings.port = 4321;
    settings.ui.serve_base = std::move(serve_base);
    auto urls_v1 = serve_base_v1();
    std::vector<ui::UiBundle> mounted{{ui::UiVersion::kV1, dir / "src1", dir / "v1", urls_v1.first}};
    if (with_v2) mounted.push_back({ui::UiVersion::kV2, dir / "src2", dir / "v2", urls_v1.second});
    site = std::make_unique<UiSite>(settings, mounted);
  }
  ~Site() { fs::remove_all(dir); }

  std::pair<std::string, std::string> serve_base_v1() const {
    return settings.ui.serve_base == "/" ? std::pair<std::string, std::string>{"/", "/v2"}
                                         : std::pair<std::string, std::string>{"/p", "/p/v2"};
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  Response get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {},
               std::string method = "GET") const {
    Request r;
    r.method = std::move(method);
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.headers = std::move(headers);
    return site->answer(r);
  }
};

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

const std::pair<std::string, std::string> kHtml{"accept", "text/html,application/xhtml+xml,*/*;q=0.8"};

// Verifies /ui-settings says what is served, from the settings and the mounted bundles.
TEST(UiSite, SettingsDocument) {
  Site s;
  auto r = s.get("/ui-settings");
  EXPECT_EQ(r.status, 200);
  auto doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc["api_url"], "http://127.0.0.1:4321/api");
  EXPECT_EQ(doc["csrf_enabled"], false);
  EXPECT_TRUE(doc["auth"].is_null());
  EXPECT_EQ(doc["default_ui"], "v2");
  EXPECT_EQ(doc["available_uis"], (boost::json::array{"v1", "v2"}));
  EXPECT_EQ(doc["v1_base_url"], "/");
  EXPECT_EQ(doc["v2_base_url"], "/v2");
  EXPECT_EQ(s.get("/ui-settings", {}, "POST").status, 405);

  Site only_v1(false);
  only_v1.settings.auth_string = "u:p";
  only_v1.settings.csrf_protection_enabled = true;
  only_v1.settings.ui.api_url = "https://example/api";
  UiSite secured(only_v1.settings, {{ui::UiVersion::kV1, "", only_v1.dir / "v1", "/"}});
  auto doc2 = secured.settings_document();
  EXPECT_EQ(doc2["auth"], "BASIC");
  EXPECT_EQ(doc2["csrf_enabled"], true);
  EXPECT_EQ(doc2["api_url"], "https://example/api");
  EXPECT_EQ(doc2["default_ui"], "v1");  // V2 is the default but not available
  EXPECT_TRUE(doc2["v2_base_url"].is_null());
}

// Verifies HTML navigation to the neutral entry goes to the preferred UI (cookie, else the
// default), and that a V2 path goes to V1 when V2 is not there.
TEST(UiSite, RedirectsNavigationToThePreferredUi) {
  Site s;
  auto r = s.get("/?a=1", {kHtml});
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(header(r, "location"), "/v2/?a=1");
  EXPECT_EQ(s.get("/", {kHtml, {"cookie", "x=1; prefect_ui_version=v1"}}).status, 200);
  EXPECT_EQ(s.get("/", {kHtml, {"cookie", "prefect_ui_version=v3"}}).status, 307);
  EXPECT_EQ(s.get("/runs", {kHtml}).body, "");  // a deep V1 link is not redirected
  EXPECT_EQ(s.get("/runs", {kHtml}).file, (s.dir / "v1/index.html").string());
  EXPECT_EQ(s.get("/", {}).file, (s.dir / "v1/index.html").string());  // not a navigation

  Site only_v1(false);
  auto moved = only_v1.get("/v2/runs?x=y", {{"sec-fetch-mode", "navigate"}});
  EXPECT_EQ(moved.status, 307);
  EXPECT_EQ(header(moved, "location"), "/runs?x=y");
}

// Verifies files get their media type and cache policy, directories their slash, and
// conditional requests a 304.
TEST(UiSite, ServesFiles) {
  Site s;
  auto js = s.get("/assets/app-AbC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.file, (s.dir / "v1/assets/app-AbC123.js").string());
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "cache-control"), "public, max-age=31536000, immutable");
  auto css = s.get("/v2/assets/app-Zz9.css");
  EXPECT_EQ(css.file, (s.dir / "v2/assets/app-Zz9.css").string());
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  auto robots = s.get("/robots.txt");
  EXPECT_EQ(robots.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(header(robots, "cache-control"), "no-cache");
  auto again = s.get("/robots.txt", {{"if-none-match", header(robots, "etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.file.empty());

  auto dir = s.get("/v2", {{"host", "h:1"}});
  EXPECT_EQ(dir.status, 307);
  EXPECT_EQ(header(dir, "location"), "http://h:1/v2/");
  EXPECT_EQ(s.get("/v2/").file, (s.dir / "v2/index.html").string());
  EXPECT_EQ(s.get("/v2/fonts/").file, (s.dir / "v2/fonts/index.html").string());
  EXPECT_EQ(s.get("/assets/app-AbC123.js", {}, "POST").status, 405);
  EXPECT_EQ(s.get("/nothing", {}, "POST").status, 404);
}

// Verifies the single-page-app fallback: a missing path is the bundle's index.html for a
// browser navigation and a JSON 404 otherwise.
TEST(UiSite, SinglePageAppFallback) {
  Site s;
  EXPECT_EQ(s.get("/v2/runs/flow-run/abc", {kHtml}).file, (s.dir / "v2/index.html").string());
  EXPECT_EQ(s.get("/flows/flow/x", {kHtml}).file, (s.dir / "v1/index.html").string());
  auto missing = s.get("/v2/assets/gone.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"detail":"Not Found"})");
  EXPECT_EQ(s.get("/gone.js", {{"accept", "text/html;q=0"}}).status, 404);
}

// Verifies no request reaches a file outside the bundle it names, however the path is
// spelled: dot segments, encoded dots and slashes, NULs, symlinks planted in the copy.
TEST(UiSite, PathTraversalIsImpossible) {
  Site s;
  fs::create_symlink(s.dir / "secret.txt", s.dir / "v1/link.txt");
  fs::create_directory_symlink(s.dir, s.dir / "v1/up");
  for (const char* target :
       {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/v2/../../secret.txt", "/v2/..%2f..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt", "/robots.txt%00", "/link.txt", "/up/secret.txt", "/..\\secret.txt"}) {
    auto r = s.get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_TRUE(r.file.empty()) << target;
    auto nav = s.get(target, {kHtml});
    EXPECT_TRUE(nav.file.empty() || nav.file == (s.dir / "v1/index.html").string() ||
                nav.file == (s.dir / "v2/index.html").string())
        << target << " served " << nav.file;
  }
  // Dot segments that stay inside the bundle resolve as Starlette resolves them.
  EXPECT_EQ(s.get("/assets/../robots.txt").file, (s.dir / "v1/robots.txt").string());
}

// Verifies a base path moves both UIs and /ui-settings under it.
TEST(UiSite, ServeBase) {
  Site s(true, "/p");
  EXPECT_EQ(s.get("/p/ui-settings").status, 200);
  EXPECT_EQ(s.get("/ui-settings").status, 404);
  EXPECT_EQ(s.get("/p/robots.txt").file, (s.dir / "v1/robots.txt").string());
  EXPECT_EQ(header(s.get("/p", {kHtml}), "location"), "/p/v2/");
  EXPECT_EQ(s.get("/robots.txt").status, 404);
}

}  // namespace
}  // namespace praetor::api
