#include "ui/ui_bundle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace praetor::ui {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("praetor-ui-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

UiBundle make_bundle(const TempDir& dir, const std::string& base) {
  const fs::path src = dir.path / "pkg/server/ui";
  write(src / "index.html", "<script src=\"/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/a.js\"></script>");
  write(src / "assets/a.js", "fetch('/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/x')");
  write(src / "ico/a.png", "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER");
  return UiBundle{UiVersion::kV1, src, dir.path / "home/ui_build/v1", base};
}

// Verifies the copy has the base path written into text files (binary files untouched), the
// package is left alone, and the copy is reused until the base or a source file changes.
TEST(UiBundle, CopiesWithBasePathAndReusesTheCopy) {
  TempDir dir;
  auto bundle = make_bundle(dir, "/prefect");
  ASSERT_TRUE(prepare_bundle(bundle));
  EXPECT_EQ(read(bundle.static_dir / "index.html"), "<script src=\"/prefect/assets/a.js\"></script>");
  EXPECT_EQ(read(bundle.static_dir / "assets/a.js"), "fetch('/prefect/x')");
  EXPECT_EQ(read(bundle.static_dir / "ico/a.png"), "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER");
  EXPECT_EQ(read(bundle.source / "index.html"),
            "<script src=\"/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/a.js\"></script>");
  EXPECT_EQ(read(bundle.static_dir / "UI_SERVE_BASE"), cache_key(bundle));

  write(bundle.static_dir / "marker", "kept");
  ASSERT_TRUE(prepare_bundle(bundle));
  EXPECT_TRUE(fs::exists(bundle.static_dir / "marker"));  // current: not copied again

  bundle.base_url = "/";
  ASSERT_TRUE(prepare_bundle(bundle));
  EXPECT_FALSE(fs::exists(bundle.static_dir / "marker"));
  EXPECT_EQ(read(bundle.static_dir / "assets/a.js"), "fetch('/x')");

  write(bundle.source / "assets/b.js", "new");
  ASSERT_TRUE(prepare_bundle(bundle));
  EXPECT_EQ(read(bundle.static_dir / "assets/b.js"), "new");
  EXPECT_FALSE(fs::exists(bundle.static_dir.parent_path() / ".v1.staging"));
}

// Verifies a missing build is reported, not created.
TEST(UiBundle, MissingSourceIsNotFound) {
  TempDir dir;
  UiBundle bundle{UiVersion::kV2, dir.path / "none", dir.path / "out/v2", "/v2"};
  auto st = prepare_bundle(bundle);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, core::ErrorKind::kNotFound);
  EXPECT_FALSE(fs::exists(bundle.static_dir));
}

// Verifies where the settings put sources and copies.
TEST(UiBundle, DescribeBundles) {
  config::Settings s;
  s.home = "/h";
  s.prefect_package_dir = "/site/prefect";
  s.ui.serve_base = "/p";
  auto bundles = describe_bundles(s);
  ASSERT_EQ(bundles.size(), 2u);
  EXPECT_EQ(bundles[0].source, fs::path("/site/prefect/server/ui"));
  EXPECT_EQ(bundles[0].static_dir, fs::path("/h/ui_build/v1"));
  EXPECT_EQ(bundles[0].base_url, "/p");
  EXPECT_EQ(bundles[1].source, fs::path("/site/prefect/server/ui-v2"));
  EXPECT_EQ(bundles[1].static_dir, fs::path("/h/ui_build/v2"));
  EXPECT_EQ(bundles[1].base_url, "/p/v2");
  s.ui.static_directory = "/srv/static";
  EXPECT_EQ(describe_bundles(s)[1].static_dir, fs::path("/srv/static/v2"));
}

}  // namespace
}  // namespace praetor::ui
