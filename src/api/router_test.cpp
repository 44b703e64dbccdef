#include "api/router.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

namespace praetor::api {
namespace {

Request req(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

Router make_router() {
  Router router;
  router.add("POST", "/api/flows/", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(201, "created");
  });
  router.add("GET", "/api/flows/{id:uuid}", [](const Request&, const PathParams& p) -> core::Result<Response> {
    return json_response(200, boost::json::value(p.at("id")));
  });
  router.add("GET", "/api/flows/name/{name}", [](const Request&, const PathParams& p) -> core::Result<Response> {
    return json_response(200, boost::json::value(p.at("name")));
  });
  router.add("GET", "/api/boom", [](const Request&, const PathParams&) -> core::Result<Response> {
    throw std::runtime_error("bug");
  });
  return router;
}

// A non-blocking route whose completion arrives later, from another thread.
Router make_async_router() {
  Router router;
  router.add_async("POST", "/api/later/{n}", [](const Request&, const PathParams& p, Respond respond) {
    std::string n = p.at("n");
    std::thread([n, respond] {
      respond([n]() -> core::Result<Response> {
        if (n == "missing") return core::Error::not_found("Nothing here");
        if (n == "boom") throw std::runtime_error("bug");
        return json_response(201, boost::json::value(n));
      });
    }).detach();
  });
  router.add("GET", "/api/now", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, "now");
  });
  return router;
}

// Waits for the response an async dispatch delivers.
Response deliver_and_wait(const Router& r, Request request, bool* accepted) {
  auto promise = std::make_shared<std::promise<Response>>();
  auto fut = promise->get_future();
  *accepted = r.dispatch_async(request, [promise](std::function<Response()> send) { promise->set_value(send()); });
  if (!*accepted) return {};
  return fut.get();
}

// Verifies an async route answers through dispatch_async with its completion's response,
// with errors and exceptions mapped as for a blocking handler.
TEST(Router, AsyncRouteDeliversItsCompletion) {
  auto r = make_async_router();
  bool accepted = false;
  auto ok = deliver_and_wait(r, req("POST", "/api/later/7"), &accepted);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body, "\"7\"");
  EXPECT_EQ(deliver_and_wait(r, req("POST", "/api/later/missing"), &accepted).status, 404);
  EXPECT_EQ(deliver_and_wait(r, req("POST", "/api/later/boom"), &accepted).status, 500);
}

// Verifies dispatch_async declines blocking routes, unknown paths and (when disabled)
// everything, and that dispatch still answers an async route by waiting for it.
TEST(Router, AsyncDispatchFallsBackToDispatch) {
  auto r = make_async_router();
  bool accepted = true;
  deliver_and_wait(r, req("GET", "/api/now"), &accepted);
  EXPECT_FALSE(accepted);
  deliver_and_wait(r, req("GET", "/api/nowhere"), &accepted);
  EXPECT_FALSE(accepted);
  EXPECT_EQ(r.dispatch(req("POST", "/api/later/8")).status, 201);
  r.set_async_dispatch(false);
  deliver_and_wait(r, req("POST", "/api/later/9"), &accepted);
  EXPECT_FALSE(accepted);
}

// Verifies trailing slashes are ignored and uuid segments are normalised.
TEST(Router, MatchesWithAndWithoutSlash) {
  auto r = make_router();
  EXPECT_EQ(r.dispatch(req("POST", "/api/flows/")).status, 201);
  EXPECT_EQ(r.dispatch(req("POST", "/api/flows")).status, 201);
  auto got = r.dispatch(req("GET", "/api/flows/0B2D3C4E-5F60-4718-9A2B-3C4D5E6F7081"));
  EXPECT_EQ(got.body, "\"0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081\"");
}

// Verifies a non-UUID id falls through to 404 and a wrong method gives 405, in Prefect's shape.
TEST(Router, NotFoundAndMethodNotAllowed) {
  auto r = make_router();
  auto nf = r.dispatch(req("GET", "/api/flows/not-a-uuid"));
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, "{\"detail\":\"Not Found\"}");
  auto mna = r.dispatch(req("DELETE", "/api/flows/"));
  EXPECT_EQ(mna.status, 405);
  EXPECT_EQ(mna.body, "{\"detail\":\"Method Not Allowed\"}");
  ASSERT_EQ(mna.headers.size(), 1u);
  EXPECT_EQ(mna.headers[0], (std::pair<std::string, std::string>{"allow", "POST"}));
}

// Verifies percent-encoded segments are decoded per segment.
TEST(Router, DecodesSegments) {
  auto r = make_router();
  EXPECT_EQ(r.dispatch(req("GET", "/api/flows/name/my%20flow")).body, "\"my flow\"");
}

// Verifies a handler exception becomes Prefect's 500 body rather than a crash.
TEST(Router, ExceptionBecomes500) {
  auto r = make_router();
  auto res = r.dispatch(req("GET", "/api/boom"));
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, "{\"exception_message\":\"Internal Server Error\"}");
}

// Verifies X-PREFECT-API-VERSION checks as Prefect 3.9.1 answers them: each part read as
// Python's int() reads it; malformed and older than 0.8.0 are 400, current and newer pass.
TEST(Router, ApiVersionHeader) {
  auto r = make_router();
  for (auto [value, status] : std::vector<std::pair<std::string, int>>{
           {"0.8.4", 201}, {"1.0.0", 201}, {"0.9.0", 201}, {"3.1.0", 201}, {"0.8.10000000000", 201},
           {"+0.8.4", 201}, {"0.8_0.0", 201}, {" 0.8.4 ", 201}, {"0.7.9", 400}, {"0.8.-1", 400}, {"-1.0.0", 400},
           {"0.8", 400}, {"abc", 400}, {"0.8.4.1", 400}, {"0..4", 400}, {"0.8.4_", 400}, {"0.8__0.0", 400}}) {
    auto q = req("POST", "/api/flows/");
    q.headers.emplace_back("x-prefect-api-version", value);
    EXPECT_EQ(r.dispatch(q).status, status) << value;
  }
}

// Verifies /api/health and /api/version answer whatever X-PREFECT-API-VERSION says, as
// Prefect's (they sit outside the version-checked routers).
TEST(Router, HealthAndVersionSkipApiVersionCheck) {
  Router router;
  for (const char* path : {"/api/health", "/api/version"}) {
    router.add("GET", path, [](const Request&, const PathParams&) -> core::Result<Response> {
      return json_response(200, true);
    });
  }
  for (const char* path : {"/api/health", "/api/version"}) {
    auto q = req("GET", path);
    q.headers.emplace_back("x-prefect-api-version", "0.1.0");
    EXPECT_EQ(router.dispatch(q).status, 200) << path;
  }
}

// Verifies query parameters are decoded.
// Verifies that every response names the template of the route that answered, without
// parameter types or a trailing slash, and never the raw path (metrics and access log).
TEST(Router, ResponsesCarryTheirRouteTemplate) {
  Router r = make_router();
  EXPECT_EQ(r.dispatch(req("GET", "/api/flows/7a1d3b56-4c2e-4f7a-9b1e-0d2c3e4f5a6b")).route, "/api/flows/{id}");
  EXPECT_EQ(r.dispatch(req("GET", "/api/flows/name/secret-name")).route, "/api/flows/name/{name}");
  EXPECT_EQ(r.dispatch(req("POST", "/api/flows")).route, "/api/flows");
  EXPECT_EQ(r.dispatch(req("GET", "/api/boom")).route, "/api/boom");  // mapped errors too
  EXPECT_EQ(r.dispatch(req("GET", "/api/nothing/here")).route, "unmatched");
  EXPECT_EQ(r.dispatch(req("DELETE", "/api/flows")).route, "unmatched");  // 405
  Router a = make_async_router();
  Request request = req("POST", "/api/later/5");
  std::promise<Response> promise;
  auto fut = promise.get_future();
  ASSERT_TRUE(a.dispatch_async(request, [&promise](std::function<Response()> send) { promise.set_value(send()); }));
  EXPECT_EQ(fut.get().route, "/api/later/{n}");
}

TEST(Request, QueryParam) {
  Request q;
  q.query = "client=a%2Fb&x=1+2";
  EXPECT_EQ(q.query_param("client"), "a/b");
  EXPECT_EQ(q.query_param("x"), "1 2");
  EXPECT_FALSE(q.query_param("y"));
}

}  // namespace
}  // namespace praetor::api
