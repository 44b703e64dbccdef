#include "ui/ui_paths.h"

#include <gtest/gtest.h>

namespace praetor::ui {
namespace {

// Verifies PREFECT_UI_SERVE_BASE is placed as Prefect places it: V2 under the base, or the
// base itself when it ends in /v2.
TEST(UiPaths, BaseUrls) {
  auto root = resolve_base_urls("/");
  EXPECT_EQ(root.v1, "/");
  EXPECT_EQ(root.v2, "/v2");
  auto prefixed = resolve_base_urls("prefect/");
  EXPECT_EQ(prefixed.v1, "/prefect");
  EXPECT_EQ(prefixed.v2, "/prefect/v2");
  auto v2_only = resolve_base_urls("/v2");
  EXPECT_EQ(v2_only.v1, "/");
  EXPECT_EQ(v2_only.v2, "/v2");
  auto nested = resolve_base_urls("/a/v2/");
  EXPECT_EQ(nested.v1, "/a");
  EXPECT_EQ(nested.v2, "/a/v2");
  EXPECT_EQ(resolve_base_urls("").v1, "/");
}

// Verifies the path arithmetic the redirect to the preferred UI uses.
TEST(UiPaths, RelativeAndBuild) {
  EXPECT_TRUE(path_targets("/v2", "/v2"));
  EXPECT_TRUE(path_targets("/v2/runs", "/v2"));
  EXPECT_FALSE(path_targets("/v2x", "/v2"));
  EXPECT_TRUE(path_targets("/anything", "/"));
  EXPECT_EQ(relative_path("/v2/runs", "/v2"), "/runs");
  EXPECT_EQ(relative_path("/v2", "/v2"), "/");
  EXPECT_EQ(relative_path("/runs", "/"), "/runs");
  EXPECT_EQ(build_ui_path("/v2", "/"), "/v2/");
  EXPECT_EQ(build_ui_path("/v2", "/runs"), "/v2/runs");
  EXPECT_EQ(build_ui_path("/", "/runs"), "/runs");
  EXPECT_EQ(join_ui_path("/", "ui-settings"), "/ui-settings");
  EXPECT_EQ(join_ui_path("/prefect", "/ui-settings"), "/prefect/ui-settings");
}

}  // namespace
}  // namespace praetor::ui
