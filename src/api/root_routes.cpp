// Liveness, versions and admin routes (Prefect's root.py, admin.py); /csrf-token is in csrf.cpp,
// /admin/storage in admin_storage.cpp.
#include <spdlog/spdlog.h>

#include "api/routes.h"

namespace praetor::api {

namespace json = boost::json;

namespace {
// The REST API version Prefect 3 clients send in X-PREFECT-API-VERSION.
constexpr const char* kApiVersion = "0.8.4";
}  // namespace

void register_root_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/health", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, true);
  });
  router.add("GET", "/api/version", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, kApiVersion);
  });
  router.add("GET", "/api/hello", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, "\xF0\x9F\x91\x8B");
  });
  router.add("GET", "/api/ready", [&ctx](const Request&, const PathParams&) -> core::Result<Response> {
    auto alive = ctx.db.read<int>([](store::Connection& c) -> core::Result<int> {
      auto& st = c.prepare("SELECT 1");
      st.step();
      return static_cast<int>(st.column_int(0));
    });
    if (!alive) return json_response(503, json::object{{"message", "Database is not available"}});
    return json_response(200, json::object{{"message", "OK"}});
  });
  router.add("GET", "/api/admin/version", [&ctx](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, json::value(ctx.settings.prefect_version));
  });
  router.add("GET", "/api/admin/settings", [&ctx](const Request&, const PathParams&) -> core::Result<Response> {
    // The subset of Prefect's settings tree that describes this server; secrets never appear.
    const auto& s = ctx.settings;
    json::object server{
        {"api", json::object{{"host", s.host}, {"port", s.port}, {"default_limit", s.default_limit}}},
        {"database", json::object{{"connection_url", json::value(nullptr)},
                                  {"dialect", s.database.dialect == config::DatabaseUrl::Dialect::kSqlite
                                                  ? "sqlite"
                                                  : "postgresql"}}},
        {"csrf_protection_enabled", s.csrf_protection_enabled}};
    return json_response(200, json::object{{"home", s.home}, {"server", std::move(server)}});
  });
}

}  // namespace praetor::api
