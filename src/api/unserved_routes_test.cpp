#include "api/unserved_routes.h"

#include <gtest/gtest.h>

namespace praetor::api {
namespace {

constexpr const char* kRoutesPy = R"(from typing import Literal

ServerRoutes = Literal[
    "/admin/storage",
    "/automations/",
    "/automations/{id}",
    "/automations/filter",
    "/automations/related-to/{resource_id}",
    "/flow_runs/{id}/graph-v2",
]
)";

// Verifies templates are read from the client's route list and matched segment by segment,
// "{name}" matching one segment, a trailing slash not significant, other paths not at all.
TEST(PrefectRouteTemplates, MatchesPathsByTemplate) {
  auto templates = PrefectRouteTemplates::parse(kRoutesPy);
  EXPECT_EQ(templates.size(), 6u);
  EXPECT_EQ(templates.match("/automations/filter"), "/automations/filter");
  EXPECT_EQ(templates.match("/automations/"), "/automations/");
  EXPECT_EQ(templates.match("/automations"), "/automations/");
  EXPECT_EQ(templates.match("/automations/0b5e8f5a-0000-4000-8000-000000000001"), "/automations/{id}");
  EXPECT_EQ(templates.match("/automations/related-to/prefect.deployment.x"), "/automations/related-to/{resource_id}");
  EXPECT_EQ(templates.match("/flow_runs/abc/graph-v2"), "/flow_runs/{id}/graph-v2");
  EXPECT_EQ(templates.match("/automatons/filter"), std::nullopt);
  EXPECT_EQ(templates.match("/flow_runs/abc/graph-v3"), std::nullopt);
}

// Verifies a package without the file yields no templates rather than failing.
TEST(PrefectRouteTemplates, MissingPackageFileGivesNone) {
  EXPECT_EQ(PrefectRouteTemplates::load("/nonexistent-prefect-package").size(), 0u);
}

}  // namespace
}  // namespace praetor::api
