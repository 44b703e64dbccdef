// GET /api/collections/views/{view} (Prefect's api/collections.py): the collection registry's
// views. Prefect fetches them from the registry on GitHub and falls back to the copies its
// package carries (prefect/server/api/collections_data/views/); Praetor's server does not
// reach the internet, so it answers from those copies in the installed prefect package
// (config::Settings::prefect_package_dir). `prefect work-pool create --type kubernetes` takes
// the type's base job template from the aggregate-worker-metadata view.
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include <spdlog/spdlog.h>

#include "api/routes.h"
#include "config/settings.h"
#include "core/json_util.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

// Prefect's KNOWN_VIEWS.
constexpr std::array<std::string_view, 4> kKnownViews = {"aggregate-block-metadata", "aggregate-flow-metadata",
                                                         "aggregate-worker-metadata", "demo-flows"};

// Views read once and kept, as Prefect's cache keeps them (the package does not change
// while the server runs). Thread-safe.
class ViewCache {
 public:
  std::optional<std::string> get(const std::string& package_dir, const std::string& view) {
    std::lock_guard lock(mutex_);
    if (auto it = views_.find(view); it != views_.end()) return it->second;
    if (package_dir.empty()) return std::nullopt;
    const std::string path = package_dir + "/server/api/collections_data/views/" + view + ".json";
    auto text = config::read_text_file(path);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    json::value parsed = json::parse(*text, ec);
    if (ec) {
      spdlog::warn("collection view {}: {} is not JSON", view, path);
      return std::nullopt;
    }
    return views_[view] = core::to_json_text(parsed);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> views_;
};

core::Result<Response> read_view(ApiContext& ctx, ViewCache& cache, const std::string& view) {
  if (std::find(kKnownViews.begin(), kKnownViews.end(), view) == kKnownViews.end()) {
    return core::Error::not_found("View " + view + " not found in registry");
  }
  auto body = cache.get(ctx.settings.prefect_package_dir, view);
  if (!body) {
    // What Prefect answers when the registry has no content for a known view.
    if (ctx.settings.prefect_package_dir.empty()) {
      spdlog::warn("collection view {} is not served: no prefect package was found (PRAETOR_PREFECT_PACKAGE_DIR)",
                   view);
    } else {
      spdlog::warn("collection view {} is not served: the prefect package at {} does not carry it", view,
                   ctx.settings.prefect_package_dir);
    }
    return core::Error::not_found("Requested content missing for view " + view);
  }
  Response r;
  r.body = std::move(*body);
  return r;
}

}  // namespace

void register_collection_routes(Router& router, ApiContext& ctx) {
  auto cache = std::make_shared<ViewCache>();
  router.add("GET", "/api/collections/views/{view}",
             [&ctx, cache](const Request&, const PathParams& p) { return read_view(ctx, *cache, p.at("view")); });
}

}  // namespace praetor::api
